/**
 * The checks' measuring pass made by the take's own conform (media/conform-args.ts ConformTap): its
 * filters read the aired picture and sound inside the conform's ffmpeg, so a checked take costs no
 * second ffmpeg start and no second decode. The picture measured is the one handed to the encoder
 * (after the look's graphics, captions and loudness), so what the checks read no longer depends on the
 * encoder's thread count. A take whose conform never ran the tap (its media reused from an earlier
 * identical conform) gets the standalone pass (measure.ts measureTake) instead.
 */
import { rmSync } from 'node:fs'
import type { ConformTap } from '../media/conform-args'
import { measureGraph, passDir, readPass, sampleTimes, type MeasurePlan, type PassResult } from './measure'
import type { Rect } from './types'

export interface TapTake {
  width: number
  height: number
  /** The house frame rate the conform writes. */
  fps: number
  masks: Rect[]
}

export class CheckTap implements ConformTap {
  private plan: MeasurePlan | null = null

  constructor(
    private readonly take: TapTake,
    private readonly tmpRoot: string,
    private readonly opts: { ocr: boolean; judge?: boolean | undefined }
  ) {}

  graph(video: string, audio: string, durationSec: number): { chains: string[]; outputs: string[] } {
    // A conform tried again starts from an empty folder.
    this.dispose()
    const sampling = this.opts.ocr || this.opts.judge === true
    this.plan = {
      width: this.take.width,
      height: this.take.height,
      fps: this.take.fps,
      durationSec,
      // The conform always writes a sound track (silence when the source has none).
      hasAudio: true,
      masks: this.take.masks,
      dir: passDir(this.tmpRoot),
      ocr: this.opts.ocr,
      judge: this.opts.judge,
      times: sampling ? sampleTimes(durationSec) : []
    }
    return measureGraph(this.plan, video, audio)
  }

  /**
   * The pass, once the conform has finished; null when the conform did not run it. Its folder then
   * belongs to the caller (runChecks removes it).
   */
  result(): PassResult | null {
    const plan = this.plan
    if (!plan) return null
    this.plan = null
    try {
      return { ...readPass(plan), beforeEncode: true }
    } catch (err) {
      rmSync(plan.dir, { recursive: true, force: true })
      throw err
    }
  }

  /** Remove what the pass wrote, if nobody took it (the conform failed, the gate was switched off meanwhile). */
  dispose(): void {
    if (this.plan) rmSync(this.plan.dir, { recursive: true, force: true })
    this.plan = null
  }
}
