import type OpenAI from 'openai'
import { permanent } from '../generation/errors'
import { extractJson, LlmWriter, type LlmSettings } from '../generation/writer-llm'
import { MAX_SHOT_SECONDS, MIN_SHOT_SECONDS, NARRATOR, parseShowPlan, type ShowPlan } from './plan'
import type { ShowRequest, ShowWriter } from './writer'

/** The system prompt: the plan's JSON shape and the seed's prompting advice. */
export function showSystemPrompt(req: ShowRequest): string {
  return [
    'You plan a TV show for a text-to-video model that renders short clips, with a narrator and recurring characters.',
    'Answer with JSON only, in this shape:',
    '{"bible": {"setting": string, "style": string, "characters": [{"name": string, "look": string, "voice": string}], "narrator": {"voice": string}},',
    ' "sequences": [{"title": string, "synopsis": string, "shots": [{"action": string, "characters": [string], "line": {"speaker": string, "text": string} | null, "effect": string | null, "seconds": number}]}]}',
    `Write exactly ${req.sequences} sequence(s) of exactly ${req.shotsPerSequence} shots each.`,
    '"look" is a fixed visual description of a character (clothes, colours, build); it is added to every prompt the character is in, so never restate it in "action".',
    '"style" is the palette and look of the whole show in one phrase.',
    '"action" states the camera motion (pan, tilt, dolly, static…) and the subject motion with direction and speed; never a name, brand, camera model or quoted text.',
    `"line" is one or two short spoken sentences (or null); "speaker" is "${NARRATOR}" or a character's name. "effect" is a short sound cue or null.`,
    `"seconds" is the shot's length, ${MIN_SHOT_SECONDS}–${MAX_SHOT_SECONDS}; leave room for the line to be spoken.`
  ].join('\n')
}

function userPrompt(req: ShowRequest): string {
  return [
    `Theme: ${req.theme.trim()}`,
    req.bible ? `Keep this bible exactly (same characters, looks and voices): ${JSON.stringify(req.bible)}` : '',
    req.avoid ? `Your previous plan was refused: ${req.avoid} Write a different one that avoids it.` : '',
    `Write ${req.sequences} sequence(s) of ${req.shotsPerSequence} shots.`
  ]
    .filter(Boolean)
    .join('\n')
}

/**
 * The show writer over any OpenAI-compatible chat endpoint (through the generation
 * writer's client and its error wording). A reply that is not JSON, or not the
 * plan's shape, is first repaired where that is safe (parseShowPlan), then asked for
 * again ONCE with the reason; a second bad reply fails, naming what was wrong.
 */
export class LlmShowWriter implements ShowWriter {
  readonly id: string
  private readonly llm: LlmWriter

  constructor(private readonly settings: LlmSettings) {
    this.llm = new LlmWriter(settings)
    this.id = `llm:${settings.model}`
  }

  async write(
    req: ShowRequest,
    opts: { signal?: AbortSignal | undefined } = {}
  ): Promise<{ plan: ShowPlan; tokens: number }> {
    let problem = ''
    let tokens = 0
    for (let attempt = 1; attempt <= 2; attempt++) {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
        { role: 'system', content: showSystemPrompt(req) },
        { role: 'user', content: userPrompt(req) }
      ]
      if (attempt === 2)
        messages.push({
          role: 'user',
          content: `Your previous answer was unusable: ${problem}. Reply with the corrected JSON object only.`
        })
      const text = await this.llm.complete(messages, opts.signal)
      tokens += this.llm.lastTokens
      try {
        let raw: unknown
        try {
          raw = extractJson(text)
        } catch (err) {
          throw new Error(`the reply is not valid JSON (${err instanceof Error ? err.message : String(err)})`)
        }
        const plan = parseShowPlan(raw)
        // The bible asked to be kept is kept, whatever the model did with it.
        return { plan: req.bible ? { ...plan, bible: req.bible } : plan, tokens }
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err)
      }
    }
    throw permanent(
      `The LLM (${this.settings.model} at ${this.settings.baseUrl}) twice returned an unusable show plan: ${problem}. ` +
        'Try another model, use the offline writer (--writer template), or edit the plan by hand (webtv show bible / webtv show plan --file).'
    )
  }
}
