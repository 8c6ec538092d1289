import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import WebSocket from 'ws'
import { GenerationError, permanent } from '../errors'
import { describeValidation, EndpointDownError } from './errors'
import type { ComfyGraph } from './workflows'
import { saveBounded } from '../download'

/**
 * ComfyUI's own HTTP + WebSocket API, as its server.py / execution.py speak it:
 * POST /prompt {prompt, client_id} → {prompt_id, number, node_errors} (400 {error, node_errors});
 * ws /ws?clientId= → {type, data} messages for that client's prompts;
 * GET /history/{id}, GET /queue, GET /view, POST /upload/image, POST /interrupt, POST /queue {delete}.
 */

export interface FileRef {
  filename: string
  subfolder: string
  type: string
}

export interface HistoryEntry {
  outputs: Record<string, Record<string, unknown>>
  status?: { status_str?: string; completed?: boolean; messages?: Array<[string, Record<string, unknown>]> }
}

export interface ComfyMessage {
  type: string
  data: Record<string, unknown>
}

const REQUEST_TIMEOUT_MS = 15_000

export class ComfyClient {
  constructor(
    readonly url: string,
    private readonly token?: string | undefined
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { ...extra, Authorization: `Bearer ${this.token}` } : extra
  }

  /** One HTTP request; an unreachable server or a 5xx is the server's trouble (EndpointDownError), not the job's. */
  private async request(path: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
    const timeout = AbortSignal.timeout(init.timeoutMs ?? REQUEST_TIMEOUT_MS)
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    let res: Response
    const send = (): Promise<Response> =>
      fetch(`${this.url}${path}`, {
        ...init,
        signal,
        headers: this.headers((init.headers as Record<string, string> | undefined) ?? {})
      })
    try {
      try {
        res = await send()
      } catch (first) {
        // A kept-alive connection the server closed (it restarted): one more try on a fresh one, for reads only.
        const code = (first as { cause?: { code?: string } }).cause?.code
        if (
          (init.method ?? 'GET') !== 'GET' ||
          timeout.aborted ||
          init.signal?.aborted ||
          !/UND_ERR_SOCKET|ECONNRESET|EPIPE/.test(code ?? '')
        )
          throw first
        res = await send()
      }
    } catch (err) {
      if (init.signal?.aborted) throw err
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      const why = timeout.aborted
        ? 'did not answer in time'
        : (cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)))
      throw new EndpointDownError(
        this.url,
        `The ComfyUI server at ${this.url} is unreachable (${why}). Check that ComfyUI runs there and listens on that address (--listen).`
      )
    }
    if (res.status === 401 || res.status === 403) {
      throw permanent(
        `The ComfyUI server at ${this.url} refused the request (${res.status}): it (or its gateway) wants a token. Set the ComfyUI token and switch "send token" on for that server.`
      )
    }
    if (res.status >= 500)
      throw new EndpointDownError(
        this.url,
        `The ComfyUI server at ${this.url} answered ${res.status} on ${path.split('?')[0]}.`
      )
    return res
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.request(path, init)
    if (!res.ok) throw new GenerationError('transient', `ComfyUI ${path.split('?')[0]} answered ${res.status}.`)
    return (await res.json()) as T
  }

  async systemStats(signal?: AbortSignal): Promise<{
    system?: { comfyui_version?: string }
    devices?: Array<{ name?: string; vram_total?: number; vram_free?: number }>
  }> {
    return this.json('/system_stats', { signal, timeoutMs: 5000 } as RequestInit)
  }

  async objectInfo(signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.json('/object_info', { signal })
  }

  async submit(
    graph: ComfyGraph,
    clientId: string,
    signal?: AbortSignal
  ): Promise<{ promptId: string; number: number }> {
    const res = await this.request('/prompt', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: graph, client_id: clientId }),
      signal
    })
    const body = (await res.json().catch(() => ({}))) as { prompt_id?: string; number?: number }
    if (res.status === 400) throw permanent(describeValidation(body, this.url))
    if (!res.ok || typeof body.prompt_id !== 'string')
      throw new GenerationError('transient', `ComfyUI /prompt answered ${res.status} without a prompt id.`)
    return { promptId: body.prompt_id, number: Number(body.number ?? 0) }
  }

  /** The prompt's history entry, or undefined while it has none (queued, running, or unknown to this server). */
  async history(promptId: string, signal?: AbortSignal): Promise<HistoryEntry | undefined> {
    const all = await this.json<Record<string, HistoryEntry>>(`/history/${encodeURIComponent(promptId)}`, { signal })
    return all[promptId]
  }

  /** A prompt sent with this client id, queued or finished (each queue/history item carries its extra_data.client_id). */
  async findByClient(
    clientId: string,
    signal?: AbortSignal
  ): Promise<{ promptId: string; history?: HistoryEntry } | undefined> {
    const q = await this.json<{ queue_running?: unknown[][]; queue_pending?: unknown[][] }>('/queue', { signal })
    for (const item of [...(q.queue_running ?? []), ...(q.queue_pending ?? [])]) {
      if ((item[3] as { client_id?: string } | undefined)?.client_id === clientId) return { promptId: String(item[1]) }
    }
    const h = await this.json<Record<string, HistoryEntry & { prompt?: unknown[] }>>('/history?max_items=256', {
      signal
    })
    for (const [id, entry] of Object.entries(h)) {
      if ((entry.prompt?.[3] as { client_id?: string } | undefined)?.client_id === clientId)
        return { promptId: id, history: entry }
    }
    return undefined
  }

  /** Prompt ids running and waiting, in the order the server will take them. */
  async queue(signal?: AbortSignal): Promise<{ running: string[]; pending: string[] }> {
    const q = await this.json<{ queue_running?: unknown[][]; queue_pending?: unknown[][] }>('/queue', { signal })
    const ids = (items: unknown[][] | undefined): string[] =>
      [...(items ?? [])].sort((a, b) => Number(a[0]) - Number(b[0])).map((item) => String(item[1]))
    return { running: ids(q.queue_running), pending: ids(q.queue_pending) }
  }

  /** Upload a start image into the server's input folder; returns the value a LoadImage `image` input takes. */
  async uploadImage(path: string, signal?: AbortSignal): Promise<string> {
    const form = new FormData()
    form.append('image', new Blob([readFileSync(path)], { type: 'image/png' }), basename(path))
    form.append('type', 'input')
    form.append('subfolder', 'webtv')
    form.append('overwrite', 'true')
    const res = await this.request('/upload/image', { method: 'POST', body: form, signal })
    if (!res.ok) throw permanent(`The ComfyUI server at ${this.url} refused the start image (${res.status}).`)
    const r = (await res.json()) as { name: string; subfolder?: string }
    return r.subfolder ? `${r.subfolder}/${r.name}` : r.name
  }

  /** `maxBytes`: the caller's own bound (a sound effect is far smaller than a clip); default: the clip budget. */
  async download(ref: FileRef, dest: string, signal?: AbortSignal, maxBytes?: number): Promise<void> {
    const q = new URLSearchParams({
      filename: ref.filename,
      subfolder: ref.subfolder ?? '',
      type: ref.type || 'output'
    })
    const res = await this.request(`/view?${q.toString()}`, { signal, timeoutMs: 10 * 60_000 })
    if (!res.ok || !res.body)
      throw new GenerationError('transient', `ComfyUI /view answered ${res.status} for ${ref.filename}.`)
    await saveBounded(res, dest, {
      server: `the ComfyUI server at ${this.url}`,
      signal,
      ...(maxBytes !== undefined ? { maxBytes } : {})
    })
  }

  /** Stop a prompt: delete it if still waiting, interrupt it if it runs (and only then: /interrupt stops whatever runs). */
  async cancel(promptId: string): Promise<'deleted' | 'interrupted' | 'gone'> {
    const q = await this.queue()
    if (q.pending.includes(promptId)) {
      await this.request('/queue', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ delete: [promptId] })
      })
      return 'deleted'
    }
    if (q.running.includes(promptId)) {
      // Newer servers take prompt_id and interrupt only that prompt; older ones ignore the body.
      await this.request('/interrupt', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt_id: promptId })
      })
      return 'interrupted'
    }
    return 'gone'
  }

  /** The WebSocket for one client id; binary frames (previews) are ignored. */
  socket(clientId: string): WebSocket {
    const wsUrl = `${this.url.replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(clientId)}`
    return new WebSocket(wsUrl, { headers: this.headers(), handshakeTimeout: 10_000 })
  }
}

/** The first file of an output node that is a video or an audio clip. */
export function pickOutput(outputs: Record<string, Record<string, unknown>>, preferNode?: string): FileRef | undefined {
  const isMedia = (f: FileRef): boolean => /\.(mp4|webm|mov|mkv|gif|webp|flac|mp3|wav|ogg|opus|m4a)$/i.test(f.filename)
  const nodes = preferNode && outputs[preferNode] ? [preferNode] : Object.keys(outputs)
  for (const id of nodes) {
    const ui = outputs[id] ?? {}
    // Core SaveVideo lists its mp4 under "images" (with animated: [true]); VideoHelperSuite under "gifs"; audio under "audio".
    for (const key of ['videos', 'gifs', 'images', 'audio']) {
      const files = ui[key]
      if (!Array.isArray(files)) continue
      for (const f of files as FileRef[]) if (f && typeof f.filename === 'string' && isMedia(f)) return f
    }
  }
  return undefined
}
