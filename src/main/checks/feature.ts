/**
 * The quality gate as a studio feature: attaches the gate to the library (every new
 * take is measured inside its own conform, checks/tap.ts, then checked) and applies each channel's policy through the
 * generation service. Installed after the library and generation features.
 */
import type { Feature } from '../core/core'
import { GATE, GENERATION, LIBRARY, SECRETS } from '../services'
import { gateEndpoint } from './endpoints'
import { QualityGate } from './gate'
import { closeOcr } from './ocr'
import { gateHandlers } from './handlers'
import { readPolicy } from './policy'
import { applyPolicy, budgetLeft } from './regenerate'
import { CheckStore } from './store'

export const checksFeature: Feature = (ctx) => {
  const lib = ctx.services.get(LIBRARY, 'checks')
  const store = new CheckStore(lib.featureDatabase('checks'))
  const secrets = ctx.services.get(SECRETS, 'checks')
  const gate = new QualityGate(lib, store, () => gateEndpoint(lib, secrets, 'judge'))
  lib.setGate(gate)
  const settled = new Set<(channelId: number) => void>()
  const off = gate.onEvent((e) => {
    const gen = ctx.services.find(GENERATION)
    try {
      applyPolicy(
        lib,
        store,
        gen
          ? gen.service
          : {
              regenerate: () => {
                throw new Error('generation is not running here')
              }
            },
        e
      )
    } catch (err) {
      console.error('quality gate:', err instanceof Error ? err.message : err)
    }
    for (const l of settled) l(e.channelId)
  })
  ctx.services.provide(GATE, {
    totals: () => store.totals(),
    channel: (channelId) => ({
      enabled: readPolicy(lib, channelId).enabled,
      budgetLeft: budgetLeft(lib, store, channelId)
    }),
    recentTakes: (channelId, limit) => store.recentTakes(channelId, limit),
    heldSince: (channelId, since) => store.count(channelId, 'held', since),
    onSettled: (listener) => {
      settled.add(listener)
      return () => settled.delete(listener)
    }
  })
  ctx.onClose(async () => {
    off()
    lib.setGate(null)
    await closeOcr()
  })
  return gateHandlers(lib, store, secrets)
}
