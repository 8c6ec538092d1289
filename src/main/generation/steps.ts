import { StudioError } from '../../shared/contract/define'
import { kindsForStep, STEP_NAMES, type BackendSettings } from '../../shared/contract/generation'
import { backendConfigOf, defaultBackendConfig } from '../../shared/backend-presets'
import { backendFor } from './backends'

/** A starting point for a kind on a step (shared with the settings UI). */
export const defaultConfig = defaultBackendConfig

/** The settings of one kind on a step (its stored entry, else that kind's default). */
export const configOf = backendConfigOf

/** Settings that cannot work, refused when saved (not when a job fails an hour later). */
export function checkBackends(s: BackendSettings): void {
  for (const name of STEP_NAMES) {
    const step = s[name]
    const kinds = kindsForStep(name)
    if (!kinds.includes(step.backend)) {
      throw new StudioError(
        'invalid_input',
        `The ${name} step cannot run on ${step.backend}; it runs on ${kinds.join(', ')}.`,
        `settings.${name}.backend`
      )
    }
    if (step.enabled) backendFor(step).check?.(s, name)
  }
}
