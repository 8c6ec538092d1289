import { parentPort } from 'node:worker_threads'
import { MediaCore } from './media-core'
import type { FromMedia, ToMedia } from './media-protocol'

/**
 * The media plane's worker thread (its own event loop and heap): the studio's main
 * loop can stall or collect garbage without a viewer noticing. Built as its own
 * entry (electron.vite.config.ts); media-plane.ts starts it.
 */
const port = parentPort
if (!port) throw new Error('media-worker.ts runs only as a worker thread (see media-plane.ts).')
const core = new MediaCore((m: FromMedia) => port.postMessage(m))
port.on('message', (m: ToMedia) => core.handle(m))
