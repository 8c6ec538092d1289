import { hashText, seededRandom } from './offline'
import { lintShots } from './prompt-lint'
import type { SequencePlan, WriteRequest, Writer } from './types'

const CAMERA = [
  'slow pan left',
  'slow pan right',
  'gentle dolly forward',
  'static shot',
  'slow tilt up',
  'smooth tracking shot following the subject',
  'slow orbit around the subject',
  'slow pull back'
]
const SUBJECT_MOTION = [
  'moving slowly from left to right',
  'drifting gently toward the camera',
  'swaying softly in the wind',
  'turning slowly in place',
  'rising slowly',
  'walking calmly forward'
]
const LIGHT = [
  'golden hour light',
  'soft overcast light',
  'blue hour glow',
  'warm evening light',
  'misty morning light'
]

/**
 * The offline writer: no network, no key. Builds N prompts from the theme with the
 * sequence's style repeated in each and explicit camera and subject motion
 * (what the seed found keeps shots consistent and lively).
 */
export class TemplateWriter implements Writer {
  readonly id = 'template'

  async write(request: WriteRequest): Promise<SequencePlan> {
    const theme = request.theme.trim().replace(/\s+/g, ' ')
    const rnd = seededRandom(hashText(`${theme}|${request.variation ?? 0}`))
    const style =
      request.style?.trim() || `cinematic, ${LIGHT[Math.floor(rnd() * LIGHT.length)]}, consistent colour palette`
    const baseSeed = hashText(`${theme}|${style}|${request.variation ?? 0}`) % 2147483647
    // One random start per sequence, then step through the lists: neighbouring shots never repeat a move.
    const cameraStart = Math.floor(rnd() * CAMERA.length)
    const motionStart = Math.floor(rnd() * SUBJECT_MOTION.length)
    const shots = Array.from({ length: request.count }, (_, i) => {
      const camera = CAMERA[(cameraStart + i) % CAMERA.length]!
      const motion = SUBJECT_MOTION[(motionStart + i) % SUBJECT_MOTION.length]!
      return { prompt: `${theme}, ${motion}, ${camera}, ${style}`, seed: (baseSeed + i * 7919) % 2147483647 }
    })
    return { style, shots, warnings: lintShots(shots.map((s) => s.prompt)), writer: this.id }
  }
}
