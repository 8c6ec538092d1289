import OpenAI from 'openai'
import { z } from 'zod'
import { redact } from '../secrets'
import { GenerationError, permanent, transient } from './errors'
import { hashText } from './offline'
import { lintShots } from './prompt-lint'
import type { SequencePlan, WriteRequest, Writer } from './types'

export interface LlmSettings {
  /** e.g. https://api.openai.com/v1, or a local Ollama http://127.0.0.1:11434/v1 */
  baseUrl: string
  model: string
  /** Undefined for local servers that need none. */
  apiKey?: string | undefined
  timeoutMs?: number | undefined
}

const planSchema = z.object({
  style: z.string().min(3),
  shots: z.array(z.union([z.string().min(3), z.object({ prompt: z.string().min(3) }).loose()])).min(1)
})

/** The system prompt: the seed's prompting advice, asked for as JSON. */
export function systemPrompt(count: number): string {
  return [
    'You write shot prompts for a text-to-video model that renders 1–3 second clips.',
    `Answer with JSON only: {"style": string, "shots": [{"prompt": string}, ...]} with exactly ${count} shots.`,
    '"style" describes the look and any recurring characters (colours, clothing, lighting) in one sentence.',
    'Repeat the style and character details word for word in EVERY prompt, so the shots stay consistent.',
    'Each prompt states the camera motion (pan, tilt, dolly, static…) and the subject motion with direction and speed.',
    'Never use brand names, camera models, "IMAX", "drone footage", "4K" or quoted text: the model paints such words into the picture.'
  ].join('\n')
}

/** Pull the JSON object out of a reply that may be wrapped in a ``` fence or chatter. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)
  const body = fenced ? fenced[1]! : text
  const start = body.indexOf('{')
  const end = body.lastIndexOf('}')
  if (start < 0 || end <= start) throw new Error('no JSON object in the reply')
  return JSON.parse(body.slice(start, end + 1))
}

/** Validate a reply into a plan; throws a readable reason when it doesn't fit. */
export function parsePlan(text: string, count: number, model: string): SequencePlan {
  let raw: unknown
  try {
    raw = extractJson(text)
  } catch (err) {
    throw new Error(`the reply is not valid JSON (${err instanceof Error ? err.message : String(err)})`)
  }
  const parsed = planSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`the JSON does not match {style, shots[]} (${issue.path.join('.') || 'root'}: ${issue.message})`)
  }
  const prompts = parsed.data.shots.map((s) => (typeof s === 'string' ? s : s.prompt).trim())
  if (prompts.length < count) throw new Error(`asked for ${count} shots, got ${prompts.length}`)
  const style = parsed.data.style.trim()
  const shots = prompts.slice(0, count).map((p, i) => {
    // Models forget the repetition now and then; the consistency matters more than the wording.
    const prompt = p.toLowerCase().includes(style.toLowerCase()) ? p : `${p}, ${style}`
    return { prompt, seed: (hashText(`${style}|${i}`) + i * 7919) % 2147483647 }
  })
  return { style, shots, warnings: lintShots(shots.map((s) => s.prompt)), writer: `llm:${model}` }
}

/**
 * The LLM writer over any OpenAI-compatible chat endpoint. A malformed reply gets
 * one more try; rate limits and server errors are reported as transient, a bad key
 * or an unknown model as permanent, each saying what to do. The key never appears
 * in an error.
 */
export class LlmWriter implements Writer {
  readonly id: string
  private readonly client: OpenAI
  /** Tokens the server billed for the last completion (usage.total_tokens; 0 when it did not say). */
  lastTokens = 0

  constructor(readonly settings: LlmSettings) {
    this.id = `llm:${settings.model}`
    this.client = new OpenAI({
      baseURL: settings.baseUrl,
      // Local servers (Ollama, llama.cpp, LM Studio) accept any key; the client insists on one.
      apiKey: settings.apiKey || 'no-key-needed',
      timeout: settings.timeoutMs ?? 120_000,
      maxRetries: 1
    })
  }

  async write(request: WriteRequest, opts: { signal?: AbortSignal | undefined } = {}): Promise<SequencePlan> {
    const user = [
      `Theme: ${request.theme.trim()}`,
      request.style ? `Style and characters to keep: ${request.style.trim()}` : '',
      request.variation
        ? `This is part ${request.variation + 1} of an ongoing programme on this theme: continue it with new moments, same style and characters.`
        : '',
      request.avoid ? `Your previous lines were refused: ${request.avoid} Write different ones that avoid it.` : '',
      `Write ${request.count} shots.`
    ]
      .filter(Boolean)
      .join('\n')
    let lastProblem = ''
    for (let attempt = 1; attempt <= 2; attempt++) {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
        { role: 'system', content: systemPrompt(request.count) },
        { role: 'user', content: user }
      ]
      if (attempt === 2) {
        messages.push({
          role: 'user',
          content: `Your previous answer was unusable: ${lastProblem}. Reply with the JSON object only.`
        })
      }
      const text = await this.complete(messages, opts.signal)
      try {
        return parsePlan(text, request.count, this.settings.model)
      } catch (err) {
        lastProblem = err instanceof Error ? err.message : String(err)
      }
    }
    throw permanent(
      `The LLM (${this.settings.model} at ${this.settings.baseUrl}) twice returned an unusable answer: ${lastProblem}. ` +
        'Try another model, or write the prompts yourself.'
    )
  }

  /** One JSON-mode chat completion; errors say what to do (the show writer uses it too). */
  async complete(messages: OpenAI.Chat.ChatCompletionMessageParam[], signal?: AbortSignal): Promise<string> {
    try {
      const res = await this.client.chat.completions.create(
        { model: this.settings.model, messages, temperature: 0.8, response_format: { type: 'json_object' } },
        { signal }
      )
      this.lastTokens = (res as { usage?: { total_tokens?: number } }).usage?.total_tokens ?? 0
      // A proxy or a non-OpenAI API can answer 200 with anything: check the shape.
      const content = (res as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content
      if (typeof content === 'string') return content
      if (Array.isArray(res.choices) && res.choices.length > 0 && content == null) return ''
      throw permanent(
        `The LLM server at ${this.settings.baseUrl} answered, but not with an OpenAI-compatible chat completion (no choices[0].message.content). ` +
          'Check that the base URL is the OpenAI-compatible endpoint (it usually ends in /v1).'
      )
    } catch (err) {
      throw err instanceof GenerationError ? err : this.describe(err)
    }
  }

  private describe(err: unknown): GenerationError {
    const where = `the LLM server at ${this.settings.baseUrl}`
    const clean = (s: string): string => redact(s, this.settings.apiKey ? [this.settings.apiKey] : [])
    if (err instanceof OpenAI.APIUserAbortError) return new GenerationError('canceled', 'Canceled.')
    if (err instanceof OpenAI.AuthenticationError || err instanceof OpenAI.PermissionDeniedError) {
      return permanent(
        `${where} refused the key (${err.status}). Set a valid key in Settings → Writer, or with \`echo KEY | webtv backends set --channel NAME --llm-key-stdin\`.`
      )
    }
    if (err instanceof OpenAI.NotFoundError) {
      return permanent(
        `${where} does not know the model "${this.settings.model}" (404). Check the model name and the base URL (it usually ends in /v1).`
      )
    }
    if (err instanceof OpenAI.RateLimitError) {
      return transient(
        `${where} is rate-limiting requests (429). It will be retried later; lower the autopilot's pace or check your plan's quota.`
      )
    }
    if (err instanceof OpenAI.APIConnectionTimeoutError) return transient(`${where} did not answer in time.`)
    if (err instanceof OpenAI.APIConnectionError)
      return transient(`${where} cannot be reached. Check the base URL and that the server is running.`)
    if (err instanceof OpenAI.APIError && typeof err.status === 'number' && err.status >= 500) {
      return transient(`${where} failed with a server error (${err.status}). It will be retried later.`)
    }
    if (err instanceof OpenAI.APIError)
      return permanent(clean(`${where} rejected the request (${err.status ?? '?'}): ${err.message}`))
    return transient(clean(`${where}: ${err instanceof Error ? err.message : String(err)}`))
  }
}
