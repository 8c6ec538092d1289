import type { Feature } from '../core/core'
import { LIBRARY, SECRETS } from '../services'
import { channelDto } from '../library/dto'
import { dismissFirstRun, firstRunStatus, setupFirstRun } from './setup'

/** The first run: whether to offer it, remembering a dismissal, and its all-or-nothing confirm step. */
export const firstRunFeature: Feature = (ctx) => {
  const lib = ctx.services.get(LIBRARY, 'firstrun')
  const secrets = ctx.services.get(SECRETS, 'firstrun')
  return {
    'firstrun.status': () => firstRunStatus(lib),
    'firstrun.dismiss': ({ dismissed }) => dismissFirstRun(lib, dismissed),
    'firstrun.setup': async (input) => ({ channel: channelDto(await setupFirstRun(lib, secrets, input)) })
  }
}
