import type { Core, Feature } from '../core/core'
import { openStudio } from '../studio'
import { resolveDataDir } from '../core/data-dir'
import type { CallName, CallInput, CallOutput } from '../../shared/contract'
import { StudioError } from '../../shared/contract'
import { STUDIO_VERSION } from '../core/version'
import { LIBRARY } from '../services'
import type { CliContext } from './command'

export async function openCore(dataDirFlag: string | undefined, features?: Feature[]): Promise<Core> {
  const dataDir = resolveDataDir({ flag: dataDirFlag })
  const core = await openStudio({ dataDir, shell: 'headless', version: STUDIO_VERSION }, features)
  // An edit typed at the command line (`webtv playlist move …`) is a person's edit like
  // one made in a window: a step of the same undo history, so `webtv undo` reverses it.
  const lib = core.services.find(LIBRARY)
  if (lib) lib.history.recording = true
  return core
}

/** Call the contract from the CLI exactly as a UI would; errors become StudioError. */
export async function callCore<K extends CallName>(core: Core, name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const result = await core.dispatch(name, input)
  if (!result.ok) throw new StudioError(result.error.code, result.error.message, result.error.field)
  return result.value as CallOutput<K>
}

/** Opens the core for one CLI command and closes it whatever the command did. */
export async function withCore<T>(ctx: CliContext, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await openCore(ctx.global.dataDir)
  try {
    return await fn(core)
  } finally {
    await core.close()
  }
}
