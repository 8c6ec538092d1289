/**
 * The optional judge: a vision-language model behind an OpenAI-compatible chat
 * endpoint that accepts images (image_url data URLs) sees a take's sampled frames and
 * its prompt, and answers whether the take shows what the prompt asks and which
 * artefacts it sees. Bounded: a few small frames, one timeout, a short reply.
 */
import { readFileSync, statSync } from 'node:fs'
import OpenAI from 'openai'
import type { ServiceEndpoint } from './endpoints'

export const JUDGE_LIMITS = {
  /** Frames sent (spread over the take). */
  frames: 4,
  /** Bytes of all images together (they are ≤ 512 px JPEGs, ~30 kB each). */
  imageBytes: 2_000_000,
  timeoutMs: 60_000,
  /** Tokens and characters of the reply: a verdict, not an essay. */
  maxTokens: 300,
  replyChars: 4000,
  /** Artefacts kept, and characters of each. */
  artefacts: 8,
  artefactChars: 80
}

export type JudgeAnswer = { matches: boolean; artefacts: string[] } | { error: string }

export const JUDGE_SYSTEM_PROMPT = [
  'You judge short video takes for a TV channel before they air.',
  'You see frames sampled from one take, in order, and the prompt the take was made from.',
  'Answer with JSON only: {"matches": boolean, "artefacts": [string]}.',
  '"matches": true when the frames show what the prompt asks (subject, setting, action).',
  '"artefacts": visible defects, a few words each (text or logos burned into the picture, warped faces or hands,',
  'extra limbs, melting objects, stray lines or waves, motion running backwards); [] when there are none.'
].join('\n')

/** Spread `n` of the frames over the take: first, last and evenly between. */
export function pickFrames<T>(frames: T[], n: number): T[] {
  if (frames.length <= n) return frames
  return Array.from({ length: n }, (_, i) => frames[Math.round((i * (frames.length - 1)) / (n - 1))]!)
}

/** The verdict from the reply text: the first JSON object in it, in the asked shape. */
export function parseVerdict(text: string): JudgeAnswer {
  if (text.length > JUDGE_LIMITS.replyChars)
    return {
      error: `the reply is ${text.length} characters long, more than the ${JUDGE_LIMITS.replyChars} a verdict needs`
    }
  const start = text.indexOf('{')
  const end = text.lastIndexOf('}')
  if (start < 0 || end <= start) return { error: 'the reply holds no JSON verdict' }
  let raw: unknown
  try {
    raw = JSON.parse(text.slice(start, end + 1))
  } catch {
    return { error: 'the reply holds no valid JSON verdict' }
  }
  const v = raw as { matches?: unknown; artefacts?: unknown }
  if (typeof v.matches !== 'boolean') return { error: 'the verdict has no "matches": true|false' }
  const artefacts = Array.isArray(v.artefacts)
    ? v.artefacts
        .filter((a): a is string => typeof a === 'string' && a.trim().length > 0)
        .slice(0, JUDGE_LIMITS.artefacts)
        .map((a) => a.trim().slice(0, JUDGE_LIMITS.artefactChars))
    : []
  return { matches: v.matches, artefacts }
}

/** Ask the judge about one take. Never throws: a failure is an answer with its reason (the key never in it). */
export async function askJudge(
  endpoint: ServiceEndpoint,
  prompt: string,
  frames: Array<{ file: string; at: number }>,
  signal?: AbortSignal
): Promise<JudgeAnswer> {
  const picked = pickFrames(frames, JUDGE_LIMITS.frames)
  if (picked.length === 0) return { error: 'no frames were sampled' }
  let bytes = 0
  const images: Array<{ at: number; url: string }> = []
  for (const f of picked) {
    bytes += statSync(f.file).size
    if (bytes > JUDGE_LIMITS.imageBytes) break
    images.push({ at: f.at, url: `data:image/jpeg;base64,${readFileSync(f.file).toString('base64')}` })
  }
  const client = new OpenAI({
    baseURL: endpoint.baseURL,
    apiKey: endpoint.apiKey || 'none',
    timeout: JUDGE_LIMITS.timeoutMs,
    maxRetries: 1
  })
  try {
    const r = await client.chat.completions.create(
      {
        model: endpoint.model,
        max_tokens: JUDGE_LIMITS.maxTokens,
        temperature: 0,
        messages: [
          { role: 'system', content: JUDGE_SYSTEM_PROMPT },
          {
            role: 'user',
            content: [
              {
                type: 'text',
                text: `Prompt: ${prompt.slice(0, 2000)}\nFrames at ${images.map((i) => `${i.at.toFixed(1)} s`).join(', ')}.`
              },
              ...images.map((i) => ({ type: 'image_url' as const, image_url: { url: i.url, detail: 'low' as const } }))
            ]
          }
        ]
      },
      { signal }
    )
    const text = r.choices?.[0]?.message?.content
    if (typeof text !== 'string') return { error: 'the reply is not a chat completion' }
    return parseVerdict(text)
  } catch (err) {
    if (signal?.aborted) throw err
    const raw = err instanceof Error ? err.message : String(err)
    const message = endpoint.apiKey ? raw.split(endpoint.apiKey).join('••••') : raw
    return { error: `the judge at ${endpoint.baseURL} could not be asked (${message.slice(0, 300)})` }
  }
}
