import { hashText, seededRandom } from '../generation/offline'
import { NARRATOR, type PlannedShot, type ShowPlan } from './plan'
import type { ShowRequest, ShowWriter } from './writer'

const CAMERA = [
  'slow pan left',
  'gentle dolly forward',
  'static shot',
  'slow tilt up',
  'slow pull back',
  'smooth tracking shot'
]
const MOTION = [
  'drifting gently toward the camera',
  'moving slowly from left to right',
  'swaying softly in the wind',
  'rising slowly',
  'turning slowly in place'
]
const STYLES = [
  'soft pastel colours, golden hour light',
  'muted blue and amber palette, misty morning light',
  'warm evening light, gentle film grain'
]
const OPENERS = [
  'Here, the day begins slowly.',
  'Nothing hurries in this place.',
  'Look closely, and the world keeps moving.',
  'The light changes, a little at a time.',
  'Every path leads somewhere quiet.',
  'And so the story goes on.'
]
/** Ambient cues the offline synth knows (sfx/offline-synth.ts): what the shots without a line are heard with. */
const AMBIENCE = [
  'soft wind',
  'distant birds',
  'gentle rain',
  'waves on the shore',
  'footsteps on gravel',
  'a distant bell'
]

/**
 * The offline show writer: no network, no key. A bible with a narrator and one
 * recurring figure, and sequences of shots with a short narration line on every
 * other shot and an ambient effect cue on the others — enough to hear the whole chain
 * (voice, captions, effects, mix) offline.
 */
export class TemplateShowWriter implements ShowWriter {
  readonly id = 'template'

  async write(request: ShowRequest): Promise<{ plan: ShowPlan; tokens: number }> {
    const theme = request.theme.trim().replace(/\s+/g, ' ')
    const rnd = seededRandom(hashText(`${theme}|show`))
    const style = STYLES[Math.floor(rnd() * STYLES.length)]!
    const fx = Math.floor(rnd() * AMBIENCE.length)
    const sequences = Array.from({ length: request.sequences }, (_, s) => {
      const shots: PlannedShot[] = Array.from({ length: request.shotsPerSequence }, (_, i) => {
        const n = s * request.shotsPerSequence + i
        return {
          action: `${theme}, ${MOTION[n % MOTION.length]}, ${CAMERA[n % CAMERA.length]}`,
          characters: i % 2 === 1 ? ['Wanderer'] : [],
          line: i % 2 === 0 ? { speaker: NARRATOR, text: OPENERS[n % OPENERS.length]! } : null,
          effect: i % 2 === 1 ? AMBIENCE[(fx + n) % AMBIENCE.length]! : null,
          seconds: 4
        }
      })
      return { title: `${titleOf(theme)}, part ${s + 1}`, synopsis: `${theme} (part ${s + 1}).`, shots }
    })
    return {
      plan: {
        bible: {
          setting: theme,
          style,
          characters: [{ name: 'Wanderer', look: 'a small figure in a long red coat and a grey scarf', voice: '' }],
          narrator: { voice: '' }
        },
        sequences
      },
      tokens: 0
    }
  }
}

function titleOf(theme: string): string {
  const first = theme.split(/[:,.;]/)[0]!.trim()
  const short = first.length > 60 ? `${first.slice(0, 57).trimEnd()}…` : first
  return short.charAt(0).toUpperCase() + short.slice(1)
}
