import { localPlan, testResult, type GenerationBackend, type PreparedStep, type RunRequest } from '../backend'
import { LocalInterpolate, LocalMusic, LocalUpscale, OfflineVideo } from '../offline'

/** ffmpeg on this machine: every step, no network, no key. */
export const offlineBackend: GenerationBackend = {
  kind: 'offline',
  noun: 'offline generator',
  local: true,
  engine: () => 'offline',
  where: () => 'local',
  plan: localPlan,
  // It does not start a shot from the previous one (continuity stays text), but continues its own clips.
  extendsFrom: (_step, name) => name === 'video',
  prepare: async (req) => localStep(req),
  test: async ({ name }) => [
    testResult('offline', name, 'local ffmpeg', {
      ok: true,
      problem: null,
      message: `The ${name} step runs locally with ffmpeg; nothing to connect to.`
    })
  ],
  clipSeconds: (s) => s.offline.seconds,
  describe: () => 'local (ffmpeg)'
}

/** The local runner of a step (also what a remote kind falls back to when it names nothing to run on). */
export function localStep(req: Pick<RunRequest, 'name' | 'settings'>): PreparedStep {
  const s = req.settings
  switch (req.name) {
    case 'video': {
      const v = new OfflineVideo({
        width: s.offline.width,
        height: s.offline.height,
        durationSeconds: s.offline.seconds
      })
      return {
        label: v.label,
        run: async (i, ctx) =>
          i.startImage
            ? { file: await v.continueFrom(i.startImage, ctx), usedImage: true }
            : { file: await v.generate(i, ctx) }
      }
    }
    case 'upscale':
      return {
        label: new LocalUpscale(1, 1).label,
        run: async (i, ctx) => ({
          file: await new LocalUpscale(i.format.width, i.format.height).upscale(
            { prompt: i.prompt, video: i.video! },
            ctx
          )
        })
      }
    case 'interpolate':
      return {
        label: new LocalInterpolate(1).label,
        run: async (i, ctx) => ({
          file: await new LocalInterpolate(i.format.fps).interpolate({ video: i.video! }, ctx)
        })
      }
    case 'music': {
      const m = new LocalMusic()
      return {
        label: m.label,
        run: async (i, ctx) => ({
          file: await m.compose({ prompt: i.prompt, seed: i.seed, durationSeconds: i.durationSeconds ?? 0 }, ctx)
        })
      }
    }
  }
}
