import type { ShowPlan } from './plan'

export interface ShowRequest {
  theme: string
  sequences: number
  shotsPerSequence: number
  /** The channel's bible to keep (continuing a show); absent = invent one. */
  bible?: ShowPlan['bible'] | undefined
  /** Why the writer's last plan was refused by moderation: the writer writes around it. */
  avoid?: string | undefined
}

/** Writes a show plan from a theme: the offline template, or an LLM. */
export interface ShowWriter {
  readonly id: string
  /** `tokens`: what the LLM billed for the plan (0 offline), for the tokens-per-shot figure. */
  write(request: ShowRequest, opts?: { signal?: AbortSignal | undefined }): Promise<{ plan: ShowPlan; tokens: number }>
}
