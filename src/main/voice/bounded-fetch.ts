import { VoiceError } from './types'

/**
 * A fetch for a client library that reads the answer itself (@huggingface/inference):
 * every body it reads is cut off past `maxBytes` (declared or streamed), so a rogue
 * server cannot make one sentence fill memory. `oversized()` says whether it tripped,
 * whatever error the library wraps it in.
 */
export function boundedFetch(
  inner: typeof fetch,
  maxBytes: number,
  where: string
): { fetch: typeof fetch; oversized: () => boolean } {
  let tripped = false
  const tooLarge = (): VoiceError => {
    tripped = true
    return new VoiceError(`${where} sent more than ${maxBytes} bytes for one sentence; stopped reading.`)
  }
  const bounded = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await inner(input, init)
    const declared = Number(res.headers.get('content-length') ?? NaN)
    if (declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined)
      throw tooLarge()
    }
    if (!res.body) return res
    let size = 0
    const limited = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          size += chunk.byteLength
          if (size > maxBytes) ctl.error(tooLarge())
          else ctl.enqueue(chunk)
        }
      })
    )
    return new Response(limited, { status: res.status, statusText: res.statusText, headers: res.headers })
  }) as typeof fetch
  return { fetch: bounded, oversized: () => tripped }
}
