import type { JobDto, JobState } from '../../../shared/contract/generation'

export type JobStep = NonNullable<JobDto['steps']>[number]

/** A shot job's steps in order, with the job state that means the step is running. */
const STEPS: ReadonlyArray<{ state: JobState; label: JobStep }> = [
  { state: 'running', label: 'video' },
  { state: 'upscaling', label: 'upscale' },
  { state: 'interpolating', label: 'interpolate' },
  { state: 'conforming', label: 'conform' }
]

/**
 * The chips of the steps this job runs: upscale and interpolate only where its backends
 * had them turned on (all four for a job the core did not say that of).
 */
export function jobStepChips(job: Pick<JobDto, 'steps'>): ReadonlyArray<{ state: JobState; label: JobStep }> {
  const steps = job.steps
  return steps ? STEPS.filter((s) => steps.includes(s.label)) : STEPS
}
