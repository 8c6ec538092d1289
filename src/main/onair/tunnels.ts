import { openRelayTunnel, type RelayTunnel, type TunnelTarget } from './relay-tunnel'
import { openSrtTunnel, type SrtTunnelTarget } from './srt-tunnel'

/** Which tunnel a relay needs, made from its destination URL (the key is inside: it stays in memory). */
export type TunnelSpec = { kind: 'rtmp'; target: TunnelTarget } | { kind: 'srt'; target: SrtTunnelTarget }

/** Opens a relay's tunnel: in this thread (openTunnel), or in the media plane's (MediaPlane.openTunnel). */
export type TunnelOpener = (spec: TunnelSpec, onProblem: (message: string) => void) => Promise<RelayTunnel>

export const openTunnel: TunnelOpener = (spec, onProblem) =>
  spec.kind === 'rtmp'
    ? openRelayTunnel({ target: spec.target, onProblem })
    : openSrtTunnel({ target: spec.target, onProblem })
