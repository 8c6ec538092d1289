import type { StudioBridge } from '../../../shared/contract'
import { WsBridge, type ConnectionState } from './ws-bridge'

export { BridgeError, type ConnectionState } from './ws-bridge'

/** What the Electron preload puts on `window.studio`: the bridge plus a File → path helper. */
export interface ElectronStudio extends StudioBridge {
  pathForFile?: (file: File) => string
}

declare global {
  interface Window {
    studio?: ElectronStudio
  }
}

export interface StudioClient {
  bridge: StudioBridge
  /** The Electron shell's File → path helper; absent in a browser, where files are uploaded. */
  pathForFile?: (file: File) => string
  connectionState(): ConnectionState
  onConnectionState(listener: (s: ConnectionState) => void): () => void
  /** When the next reconnect attempt is due (ms since epoch), or null. */
  nextRetryAt(): number | null
  retryNow(): void
}

let client: StudioClient | null = null

export function wsUrlFor(loc: Pick<Location, 'protocol' | 'host'>): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/ws`
}

/** The one StudioClient of this page: IPC through the preload in Electron, else the headless server's WebSocket. */
export function getClient(): StudioClient {
  if (client) return client
  const studio = window.studio
  if (studio) {
    // IPC is always there while the window exists, so the connection is simply "connected".
    client = {
      bridge: studio,
      ...(studio.pathForFile ? { pathForFile: (f: File) => studio.pathForFile!(f) } : {}),
      connectionState: () => 'connected',
      onConnectionState: () => () => {},
      nextRetryAt: () => null,
      retryNow: () => {}
    }
  } else {
    const ws = new WsBridge({ url: wsUrlFor(window.location) })
    client = {
      bridge: ws,
      connectionState: () => ws.state,
      onConnectionState: (l) => ws.onState(l),
      nextRetryAt: () => ws.nextRetryAt,
      retryNow: () => ws.retryNow()
    }
  }
  return client
}

/** Human text for any error a call rejects with. */
export function errorMessage(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err && typeof (err as { message: unknown }).message === 'string') {
    return (err as { message: string }).message
  }
  return String(err)
}
