/** The contract's gate.* calls: policy, blocklist and the checks' results, served by the checks feature. */
import { StudioError } from '../../shared/contract/define'
import type { PartialHandlers } from '../core/dispatch'
import type { Library } from '../library/library'
import { maskSecret, type SecretStore } from '../secrets/store'
import { gateServiceSecret, readGateService, writeGateService, type GateServiceName } from './endpoints'
import { addBlocked, readBlocklist, removeBlocked, type BlockScope } from './moderation'
import { readPolicy, writePolicy } from './policy'
import { budgetLeft } from './regenerate'
import { checkNames, checkRows } from './registry'
import type { CheckStore } from './store'

const available = checkRows.map((r) => ({ name: r.name, title: r.title }))

export function gateHandlers(lib: Library, store: CheckStore, secrets: SecretStore): PartialHandlers {
  const service = async (name: GateServiceName) => {
    const key = await secrets.get(gateServiceSecret(name))
    return { service: name, ...readGateService(lib, name), apiKey: key ? maskSecret(key) : null }
  }
  const state = (channelId: number) => ({
    channelId,
    policy: readPolicy(lib, channelId),
    budgetLeft: budgetLeft(lib, store, channelId),
    available
  })
  const lists = (channelId?: number) => ({
    global: readBlocklist(lib, 'global'),
    channel: channelId === undefined ? null : readBlocklist(lib, channelId)
  })
  const scopeOf = (channelId?: number): BlockScope => {
    if (channelId === undefined) return 'global'
    lib.getChannel(channelId)
    return channelId
  }
  return {
    'gate.service.get': ({ service: name }) => service(name),
    'gate.service.set': async ({ service: name, apiKey, ...patch }) => {
      writeGateService(lib, name, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)))
      if (apiKey === '') await secrets.delete(gateServiceSecret(name))
      else if (apiKey !== undefined) await secrets.set(gateServiceSecret(name), apiKey)
      return service(name)
    },
    'gate.policy.get': ({ channelId }) => {
      lib.getChannel(channelId)
      return state(channelId)
    },
    'gate.policy.set': ({ channelId, ...patch }) => {
      lib.getChannel(channelId)
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined))
      writePolicy(lib, channelId, defined)
      return state(channelId)
    },
    'gate.blocklist.get': ({ channelId }) => {
      if (channelId !== undefined) lib.getChannel(channelId)
      return lists(channelId)
    },
    'gate.blocklist.add': ({ channelId, entry }) => {
      addBlocked(lib, scopeOf(channelId), entry)
      return lists(channelId)
    },
    'gate.blocklist.remove': ({ channelId, entry }) => {
      const scope = scopeOf(channelId)
      if (!readBlocklist(lib, scope).includes(entry))
        throw new StudioError(
          'not_found',
          `${entry} is not on the ${scope === 'global' ? 'global' : "channel's"} blocklist; webtv gate blocklist lists it.`,
          'entry'
        )
      removeBlocked(lib, scope, entry)
      return lists(channelId)
    },
    'gate.shots.checks': ({ shotIds }) => ({
      shots: store.chosenChecks(lib, shotIds).map(({ shotId, takeId, checks }) => ({
        shotId,
        takeId,
        checks: checks.map(({ check, verdict, score, frames, reason }) => ({ check, verdict, score, frames, reason }))
      }))
    }),
    'gate.shots.failing': ({ channelId, check }) => {
      lib.getChannel(channelId)
      if (check !== undefined && !checkNames.includes(check))
        throw new StudioError(
          'invalid_input',
          `Unknown check ${check}; the checks are ${checkNames.join(', ')}.`,
          'check'
        )
      return { shotIds: store.shotsFailing(lib, channelId, check) }
    }
  }
}
