/**
 * The real core behind the renderer's stores, for tests that drive a store (src/renderer)
 * against it: a headless studio with its SQLite library in a fresh folder, and
 * `window.studio` — what getClient() takes — answering from it. With `server`, the
 * answers come through the studio server and the renderer's own WsBridge over a real
 * WebSocket, with the page's cookie, as in a browser; without, straight from the core.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import type { Core } from '../../src/main/core/core'
import { openStudio } from '../../src/main/studio'
import { startStudioServer, type StudioServer } from '../../src/main/server/studio-server'
import type { CallInput, CallName, CallOutput, StudioBridge } from '../../src/shared/contract'
import { WsBridge, type SocketLike } from '../../src/renderer/src/api/ws-bridge'
import { tempDir } from './tmp'

/** How the store's calls are answered; a test may wrap it to record or hold calls. */
export type Invoke = (name: CallName, input: unknown) => Promise<unknown>

export interface RendererCore {
  core: Core
  /** The test's own folder (the data folder is `data` inside it). */
  dir: string
  dataDir: string
  /** With `server`: the studio server and the bridge the store talks through. */
  server: StudioServer | undefined
  bridge: WsBridge | undefined
  /** A call straight to the core (not through the store), throwing `name: message` on an error. */
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>
  /** Closes the bridge, server and core, removes the folder and `window`. */
  close(): Promise<void>
}

export async function openRendererCore(opts: {
  /** Prefix of the temp folder. */
  name: string
  /** Through the studio server and a WsBridge (default), or straight to the core. */
  server?: boolean
  /** Wraps how the store's calls are answered: `next` is the bridge's (or the core's) answer. */
  invoke?: (name: CallName, input: unknown, next: Invoke) => Promise<unknown>
}): Promise<RendererCore> {
  const t = tempDir(`webtv-${opts.name}-`)
  const dataDir = join(t.dir, 'data')
  const core = await openStudio({ dataDir, shell: 'headless', version: '0.0.0-test' })
  const call = async <K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> => {
    const r = await core.dispatch(name, input)
    if (!r.ok) throw new Error(`${name}: ${r.error.message}`)
    return r.value as CallOutput<K>
  }
  let server: StudioServer | undefined
  let bridge: WsBridge | undefined
  let studio: StudioBridge
  if (opts.server ?? true) {
    const rendererDir = join(t.dir, 'renderer')
    mkdirSync(rendererDir, { recursive: true })
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>studio</title>')
    writeFileSync(join(rendererDir, 'watch.html'), '<!doctype html><title>watch</title>')
    server = await startStudioServer({ core, rendererDir, port: 0 })
    // The page's cookie, traded for the URL token the way a browser does.
    const r = await fetch(server.url, { redirect: 'manual' })
    const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!
    const ws = new WsBridge({
      url: `ws://127.0.0.1:${server.port}/api/ws`,
      createSocket: (url) => new WebSocket(url, { headers: { cookie } }) as unknown as SocketLike
    })
    bridge = ws
    const next: Invoke = (name, input) => ws.invoke(name, input as never)
    studio = {
      shell: 'headless',
      invoke: ((name: CallName, input: unknown) =>
        opts.invoke ? opts.invoke(name, input, next) : next(name, input)) as StudioBridge['invoke'],
      on: (event, listener) => ws.on(event, listener),
      mediaUrl: (p) => ws.mediaUrl(p)
    }
  } else {
    const next: Invoke = (name, input) => call(name, input as never)
    studio = {
      shell: 'headless',
      invoke: ((name: CallName, input: unknown) =>
        opts.invoke ? opts.invoke(name, input, next) : next(name, input)) as StudioBridge['invoke'],
      on: () => () => {},
      mediaUrl: (p) => p
    }
  }
  // The stores reach the core through getClient(), which takes window.studio when there is one.
  ;(globalThis as { window?: unknown }).window = { studio }
  return {
    core,
    dir: t.dir,
    dataDir,
    server,
    bridge,
    call,
    close: async () => {
      bridge?.close()
      await server?.close()
      await core.close()
      t.cleanup()
      delete (globalThis as { window?: unknown }).window
    }
  }
}
