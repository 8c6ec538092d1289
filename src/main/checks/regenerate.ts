/**
 * The channel's policy after the gate spoke: a generated take that failed is made
 * again (new seed, prompt rewritten against the failure) while the shot has tries
 * left and the channel has budget; the first passing take is chosen; otherwise the
 * shot stays held for review with its reasons. Imports that fail are held.
 */
import { randomInt } from 'node:crypto'
import type { GateEvent } from './gate'
import { readPolicy } from './policy'
import { rewritePrompt } from './rewrite'
import type { CheckStore } from './store'

export interface RegenLibrary {
  getSetting(key: string): string | undefined
  setSetting(key: string, value: string): void
  getShot(id: number): { id: number; approved: boolean; status: string }
  getChannel(id: number): { reviewPolicy: 'auto' | 'manual' }
  listTakes(shotId: number): Array<{ id: number; chosen: boolean }>
  chooseTake(takeId: number): unknown
  updateShot(id: number, patch: { approved?: boolean }): unknown
}

export interface Regenerator {
  regenerate(req: { shotId: number; prompt: string; seed: number }): unknown
}

const HOUR_MS = 3600_000

/** Takes the channel may still ask for this hour. */
export function budgetLeft(lib: RegenLibrary, store: CheckStore, channelId: number, now = Date.now()): number {
  return Math.max(0, readPolicy(lib, channelId).takesPerHour - store.count(channelId, 'regenerated', now - HOUR_MS))
}

export function applyPolicy(lib: RegenLibrary, store: CheckStore, gen: Regenerator, e: GateEvent): void {
  const policy = readPolicy(lib, e.channelId)
  const ids = { shotId: e.shotId, takeId: e.takeId }
  if (!policy.enabled) return
  if (e.verdict.pass) {
    const chosen = lib.listTakes(e.shotId).find((t) => t.chosen)
    // A retry that passed replaces the held take the shot airs with.
    if (chosen && chosen.id !== e.takeId && store.triesOf(e.shotId) > 0) {
      lib.chooseTake(e.takeId)
      if (lib.getChannel(e.channelId).reviewPolicy === 'auto') lib.updateShot(e.shotId, { approved: true })
      store.log(e.channelId, 'chosen', ids)
    }
    return
  }
  const reasons = e.verdict.reasons.join(' ')
  if (!e.generated) return store.log(e.channelId, 'held', ids, reasons)
  const tries = store.triesOf(e.shotId)
  if (tries >= policy.maxTries) return store.log(e.channelId, 'held', ids, `${tries + 1} takes failed: ${reasons}`)
  if (budgetLeft(lib, store, e.channelId) <= 0)
    return store.log(e.channelId, 'held', ids, `no budget left this hour (${policy.takesPerHour} takes): ${reasons}`)
  const prompt = rewritePrompt(e.prompt, e.verdict.details.failed)
  try {
    gen.regenerate({ shotId: e.shotId, prompt, seed: randomInt(0, 2147483647) })
    store.log(e.channelId, 'regenerated', ids, e.verdict.details.failed.join(','))
  } catch (err) {
    store.log(
      e.channelId,
      'held',
      ids,
      `could not regenerate (${err instanceof Error ? err.message : String(err)}): ${reasons}`
    )
  }
}
