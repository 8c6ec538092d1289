import { describe, expect, it } from 'vitest'
import { fromDraft, speakerChoices, toDraft } from '../../src/renderer/src/lib/show-draft'

describe('show shot drafts', () => {
  it('round-trips a shot with a line and an effect', () => {
    const shot = {
      action: 'the keeper climbs the stairs',
      characters: ['Mara'],
      line: { speaker: 'Mara', text: 'Almost there.' },
      effect: 'wind',
      seconds: 5
    }
    expect(fromDraft(toDraft(shot))).toEqual(shot)
  })

  it('a shot without a line or effect edits as empty fields and saves as none', () => {
    const d = toDraft({ action: 'waves', characters: [], seconds: 4 })
    expect(d).toMatchObject({ speaker: '', text: '', effect: '' })
    expect(fromDraft(d)).toEqual({ action: 'waves', characters: [], line: null, effect: null, seconds: 4 })
  })

  it('a speaker with a blank line is no line; text and effect are trimmed', () => {
    const d = { action: ' waves ', characters: [], speaker: 'narrator', text: '   ', effect: '  gulls ', seconds: 3 }
    expect(fromDraft(d)).toEqual({ action: 'waves', characters: [], line: null, effect: 'gulls', seconds: 3 })
    expect(fromDraft({ ...d, text: ' Hello. ' }).line).toEqual({ speaker: 'narrator', text: 'Hello.' })
  })

  it('speakers: the narrator first, then the characters; a speaker the bible lost stays listed', () => {
    expect(speakerChoices(['Mara', 'Tom'], '')).toEqual(['narrator', 'Mara', 'Tom'])
    expect(speakerChoices(['Mara'], 'mara')).toEqual(['narrator', 'Mara'])
    expect(speakerChoices(['Mara'], 'Ghost')).toEqual(['narrator', 'Mara', 'Ghost'])
  })
})
