import { randomUUID } from 'node:crypto'
import { extname, join } from 'node:path'
import type WebSocket from 'ws'
import { GenerationError, transient } from '../errors'
import type { StepContext } from '../types'
import { ComfyClient, pickOutput, type HistoryEntry } from './client'
import { describeExecutionError, EndpointDownError, type ExecutionErrorData } from './errors'
import { fillWorkflow, type FillValues, type ResolvedWorkflow } from './workflows'

/** What a job row keeps about its prompt on a server, so a restart asks that server before submitting again. */
export interface RemoteRef {
  endpoint: string
  /** '' while the prompt is being sent (its id not known yet). */
  promptId: string
  clientId: string
  workflow: string
}

export interface ComfyRun {
  endpoint: string
  token?: string | undefined
  workflow: ResolvedWorkflow
  values: Omit<FillValues, 'startImage'>
  /** A local PNG to upload as the start image (image-to-video). */
  startImage?: string | undefined
  outputName: string
  timeoutMs: number
  /** The largest output accepted (default: the clip budget). */
  maxBytes?: number | undefined
  /** The prompt this job already has on a server (from its row), if any. */
  previous?: RemoteRef | undefined
  /** Persist the prompt id the moment the server gives it. */
  record(ref: RemoteRef | null): void
}

/** The abort reason the workers use when the process stops: the prompt keeps running on the server and is picked up after restart. */
const SHUTDOWN = 'shutdown'
const POLL_MS = 2000

/**
 * Run one workflow on one ComfyUI server and return the downloaded output file.
 * Resume first: a prompt this job already submitted there is followed (or its
 * finished output fetched) rather than submitted — and paid for — twice.
 */
export async function runComfy(run: ComfyRun, ctx: StepContext): Promise<string> {
  try {
    return await runOrResume(run, ctx)
  } catch (err) {
    // A prompt that ended (failed, out of memory, interrupted, canceled) is done with: the next attempt sends a new one.
    // Kept only when the server went away (it may come back with it) or the studio is stopping (it resumes it).
    if (!(err instanceof EndpointDownError) && ctx.signal.reason !== SHUTDOWN) {
      try {
        run.record(null)
      } catch {
        /* the job is gone (canceled) */
      }
    }
    throw err
  }
}

async function runOrResume(run: ComfyRun, ctx: StepContext): Promise<string> {
  const client = new ComfyClient(run.endpoint, run.token)
  const prev = run.previous?.endpoint === run.endpoint ? run.previous : undefined
  if (prev && !prev.promptId) {
    // Stopped between sending the prompt and hearing its id: find it by our client id before sending it again.
    const found = await client.findByClient(prev.clientId, ctx.signal)
    if (found) {
      const ref = { ...prev, promptId: found.promptId }
      run.record(ref)
      if (found.history) return finish(client, run, ref, found.history, ctx)
      return follow(client, run, ref, ctx)
    }
  } else if (prev) {
    const done = await client.history(prev.promptId, ctx.signal)
    if (done) return finish(client, run, prev, done, ctx)
    const q = await client.queue(ctx.signal)
    if (q.running.includes(prev.promptId) || q.pending.includes(prev.promptId)) return follow(client, run, prev, ctx)
    // The server no longer knows it (restarted: ComfyUI keeps its queue and history in memory): submit again.
  }
  const clientId = prev?.clientId ?? randomUUID()
  const graph = fillWorkflow(run.workflow, {
    ...run.values,
    startImage: run.startImage ? await client.uploadImage(run.startImage, ctx.signal) : undefined
  })
  // Listen before submitting: a cached prompt can finish before a late socket would hear it.
  const socket = await openSocket(client, clientId, ctx.signal)
  // The client id goes on the row first: a stop before the answer arrives can still find the prompt by it.
  run.record({ endpoint: run.endpoint, promptId: '', clientId, workflow: run.workflow.id })
  let ref: RemoteRef
  try {
    const { promptId } = await client.submit(graph, clientId, ctx.signal)
    ref = { endpoint: run.endpoint, promptId, clientId, workflow: run.workflow.id }
    run.record(ref)
  } catch (err) {
    socket?.terminate()
    if (ctx.signal.aborted) throw await canceledWhileSubmitting(client, clientId, ctx.signal.reason)
    throw err
  }
  return follow(client, run, ref, ctx, socket)
}

/**
 * Canceled while the prompt was on its way: the server may have queued it before the answer
 * was cut off. Find it by our client id and stop it there, as a cancel after the answer does
 * (on a shutdown it keeps running: the restarted studio finds it by the same client id).
 */
async function canceledWhileSubmitting(client: ComfyClient, clientId: string, reason: unknown): Promise<Error> {
  if (reason !== SHUTDOWN) {
    const found = await client.findByClient(clientId).catch(() => undefined)
    if (found && !found.history) await client.cancel(found.promptId).catch(() => {})
  }
  return reason instanceof Error ? reason : new GenerationError('canceled', 'Canceled.')
}

async function openSocket(client: ComfyClient, clientId: string, signal: AbortSignal): Promise<WebSocket | undefined> {
  const ws = client.socket(clientId)
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      ws.removeAllListeners()
      ws.on('error', () => {})
      ws.terminate()
      if (signal.aborted)
        reject(signal.reason instanceof Error ? signal.reason : new GenerationError('canceled', 'Canceled.'))
      // The HTTP side will say whether the server is down; a server without a socket is still polled.
      else if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|timed out/i.test(err.message))
        reject(
          new EndpointDownError(client.url, `The ComfyUI server at ${client.url} is unreachable (${err.message}).`)
        )
      else resolve(undefined)
    }
    ws.once('open', () => {
      ws.removeListener('error', fail)
      resolve(ws)
    })
    ws.once('error', fail)
  })
}

/** Follow a prompt to its end over the socket, with /history polled as a fallback (a lost socket message never hangs a job). */
async function follow(
  client: ComfyClient,
  run: ComfyRun,
  ref: RemoteRef,
  ctx: StepContext,
  given?: WebSocket
): Promise<string> {
  let socket =
    given ??
    (await openSocket(client, ref.clientId, ctx.signal).catch((err: unknown) => {
      if (err instanceof EndpointDownError) throw err
      return undefined
    }))
  return new Promise<string>((resolve, reject) => {
    let settled = false
    let node: string | null = null
    let checking = false
    const deadline = setTimeout(
      () =>
        void giveUp(
          transient(
            `The ComfyUI server at ${run.endpoint} did not finish within ${Math.round(run.timeoutMs / 60000)} min, so it was stopped there.`
          ),
          true
        ),
      run.timeoutMs
    )
    const poll = setInterval(() => void check(), POLL_MS)
    const cleanup = (): void => {
      settled = true
      clearTimeout(deadline)
      clearInterval(poll)
      ctx.signal.removeEventListener('abort', onAbort)
      if (socket) {
        socket.removeAllListeners()
        socket.on('error', () => {})
        socket.terminate()
      }
    }
    const done = (result: () => Promise<string>): void => {
      if (settled) return
      cleanup()
      result().then(resolve, reject)
    }
    const giveUp = async (err: Error, stopRemote: boolean): Promise<void> => {
      if (settled) return
      cleanup()
      if (stopRemote) await client.cancel(ref.promptId).catch(() => {})
      reject(err)
    }
    const onAbort = (): void => {
      const reason: unknown = ctx.signal.reason
      // Shutting down: the prompt keeps running there and the restarted studio picks up its output.
      void giveUp(new GenerationError('canceled', 'Canceled.'), reason !== SHUTDOWN)
    }
    ctx.signal.addEventListener('abort', onAbort, { once: true })
    if (ctx.signal.aborted) return onAbort()

    const check = async (): Promise<void> => {
      if (settled || checking) return
      checking = true
      try {
        const h = await client.history(ref.promptId)
        if (h) return done(() => finish(client, run, ref, h, ctx))
        const q = await client.queue()
        if (!q.running.includes(ref.promptId) && !q.pending.includes(ref.promptId)) {
          // Re-check history: it is written just before the prompt leaves the queue.
          const again = await client.history(ref.promptId)
          if (again) return done(() => finish(client, run, ref, again, ctx))
          run.record(null)
          return void giveUp(
            transient(`The ComfyUI server at ${run.endpoint} lost the prompt (restarted?); submitting it again.`),
            false
          )
        }
        const ahead = q.running.length + q.pending.indexOf(ref.promptId)
        if (!q.running.includes(ref.promptId))
          ctx.onProgress({ queuePosition: Math.max(1, ahead + 1), message: 'waiting in the ComfyUI queue' })
      } catch (err) {
        if (err instanceof EndpointDownError) return void giveUp(err, false)
      } finally {
        checking = false
      }
    }

    const onMessage = (raw: WebSocket.RawData, isBinary: boolean): void => {
      if (isBinary || settled) return
      let msg: { type?: string; data?: Record<string, unknown> }
      try {
        msg = JSON.parse(raw.toString()) as typeof msg
      } catch {
        return
      }
      const data = msg.data ?? {}
      if (msg.type === 'status') return void check()
      if (data.prompt_id !== undefined && data.prompt_id !== ref.promptId) return
      switch (msg.type) {
        case 'execution_start':
          ctx.onProgress({ percent: 0, message: 'running on the GPU' })
          break
        case 'executing':
          node = (data.node as string | null) ?? null
          if (node === null && data.prompt_id === ref.promptId) void check()
          break
        case 'progress': {
          const value = Number(data.value)
          const max = Number(data.max)
          if (max > 0)
            ctx.onProgress({
              percent: Math.min(99, Math.round((value / max) * 100)),
              message: node ? `node ${node}` : undefined
            })
          break
        }
        case 'execution_success':
          void check()
          break
        case 'execution_error':
          void giveUp(describeExecutionError(data as ExecutionErrorData, run.endpoint), false)
          break
        case 'execution_interrupted':
          void giveUp(
            ctx.signal.aborted
              ? new GenerationError('canceled', 'Canceled.')
              : transient(
                  `The prompt was interrupted on the ComfyUI server at ${run.endpoint} (someone pressed Cancel there?).`
                ),
            false
          )
          break
      }
    }
    const attach = (ws: WebSocket): void => {
      ws.on('message', onMessage)
      ws.on('error', () => {})
      ws.on('close', () => {
        if (settled) return
        // A closed socket: either the server went away (HTTP says so) or the link dropped (reconnect with the same client id).
        socket = undefined
        void check().then(() => {
          if (settled) return
          void openSocket(client, ref.clientId, ctx.signal).then(
            (ws2) => {
              if (!ws2) return
              if (settled) return void ws2.terminate()
              socket = ws2
              attach(ws2)
            },
            (err: unknown) => void giveUp(err instanceof Error ? err : new Error(String(err)), false)
          )
        })
      })
    }
    if (socket) attach(socket)
    void check()
  })
}

async function finish(
  client: ComfyClient,
  run: ComfyRun,
  ref: RemoteRef,
  h: HistoryEntry,
  ctx: StepContext
): Promise<string> {
  const status = h.status
  if (status && status.status_str === 'error') {
    const messages = status.messages ?? []
    const err = messages.find((m) => m[0] === 'execution_error')?.[1] as ExecutionErrorData | undefined
    if (err) throw describeExecutionError(err, run.endpoint)
    if (messages.some((m) => m[0] === 'execution_interrupted')) {
      if (ctx.signal.aborted) throw new GenerationError('canceled', 'Canceled.')
      throw transient(`The prompt was interrupted on the ComfyUI server at ${run.endpoint}.`)
    }
    throw transient(`The prompt failed on the ComfyUI server at ${run.endpoint} without saying why.`)
  }
  const file = pickOutput(h.outputs ?? {}, run.workflow.mapping.outputNode)
  if (!file) {
    throw new GenerationError(
      'permanent',
      `The workflow ran on ${run.endpoint} but produced no video or audio file. Make sure it ends in a Save Video / Save Audio node (or set the mapping's output node).`
    )
  }
  const dest = join(ctx.workDir, `${run.outputName}${extname(file.filename) || '.mp4'}`)
  await client.download(file, dest, ctx.signal, run.maxBytes)
  ctx.onProgress({ percent: 100 })
  void ref
  return dest
}
