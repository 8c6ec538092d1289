import { describe, expect, it } from 'vitest'
import { lintPrompt, lintShots } from '../../../src/main/generation/prompt-lint'
import { TemplateWriter } from '../../../src/main/generation/writer-template'
import { extractJson, parsePlan } from '../../../src/main/generation/writer-llm'
import { fillTemplate, placeholdersIn, PRESETS } from '../../../src/main/generation/gradio/presets'
import { checkMapping, classifySpaceError } from '../../../src/main/generation/gradio/space'
import { backoffMs } from '../../../src/main/generation/workers'
import { planSegments } from '../../../src/main/generation/music-bed'
import { captionFor, escapeFilterValue, hashText, OfflineVideo } from '../../../src/main/generation/offline'

describe('prompt lint', () => {
  it('warns about words painted as text and a missing camera move', () => {
    const w = lintPrompt('IMAX drone footage of a castle, Canon EOS R5')
    const words = w.map((x) => x.word.toLowerCase())
    expect(words).toContain('imax')
    expect(words).toContain('drone footage')
    expect(w.some((x) => /camera motion/.test(x.message))).toBe(true)
    expect(lintPrompt('a castle at dusk, slow pan left')).toEqual([])
    expect(lintShots(['a castle, slow pan left', 'IMAX castle, static shot'])).toEqual([
      expect.stringMatching(/^shot 2: "IMAX"/)
    ])
  })
})

describe('template writer', () => {
  it('writes N prompts repeating the style, with camera and subject motion, varying per part', async () => {
    const w = new TemplateWriter()
    const a = await w.write({ theme: 'a lighthouse in a storm', count: 4 })
    expect(a.shots).toHaveLength(4)
    for (const s of a.shots) {
      expect(s.prompt).toContain(a.style)
      expect(lintPrompt(s.prompt).filter((x) => /camera/.test(x.message))).toEqual([])
    }
    expect(new Set(a.shots.map((s) => s.prompt)).size).toBe(4)
    const again = await w.write({ theme: 'a lighthouse in a storm', count: 4 })
    expect(again.shots).toEqual(a.shots)
    const part2 = await w.write({ theme: 'a lighthouse in a storm', count: 4, variation: 1 })
    expect(part2.shots.map((s) => s.seed)).not.toEqual(a.shots.map((s) => s.seed))
  })
})

describe('LLM reply parsing', () => {
  it('accepts fenced JSON and string shots, appends a forgotten style', () => {
    const text =
      'Here you go:\n```json\n{"style":"neon noir","shots":["a cat walks, slow pan left", {"prompt":"a cat jumps, neon noir, static shot"}]}\n```'
    const plan = parsePlan(text, 2, 'm')
    expect(plan.shots[0]!.prompt).toBe('a cat walks, slow pan left, neon noir')
    expect(plan.shots[1]!.prompt).toBe('a cat jumps, neon noir, static shot')
  })
  it.each([
    ['not json at all', /not valid JSON/],
    ['{"style":"x y","shots":[]}', /does not match/],
    ['{"style":"abc","shots":["one prompt"]}', /asked for 2 shots, got 1/]
  ])('refuses %s', (text, message) => {
    expect(() => parsePlan(text, 2, 'm')).toThrow(message)
  })
  it('extracts the object from chatter', () => {
    expect(extractJson('sure! {"a":1} bye')).toEqual({ a: 1 })
  })
})

describe('Gradio mappings', () => {
  it('fills whole placeholders keeping their type and interpolates inside strings', () => {
    const filled = fillTemplate(
      ['{prompt}', '{seed}', 'music for {prompt}', '{video}', 3],
      { prompt: 'p', seed: 7, video: '/srv/x.mp4' },
      (path) => ({ path })
    )
    expect(filled).toEqual(['p', 7, 'music for p', { path: '/srv/x.mp4' }, 3])
    expect(() => fillTemplate(['{video}'], { prompt: 'p' }, (x) => x)).toThrow(/\{video\}/)
    expect([...placeholdersIn(PRESETS.musicgen.mapping.args)].sort()).toEqual(['duration', 'prompt'])
  })

  const params = [
    { name: 'prompt', type: 'string', component: 'Textbox', hasDefault: false },
    { name: 'seed', type: 'number', component: 'Slider', hasDefault: true },
    { name: 'num_frames', type: 'number', component: 'Slider', hasDefault: true }
  ]
  it('accepts a fitting mapping and explains what does not fit', () => {
    expect(
      checkMapping({ endpoint: '/run', args: ['{prompt}', '{seed}'], outputIndex: 0 }, params, 'video')
    ).toBeUndefined()
    expect(
      checkMapping({ endpoint: '/run', args: { prompt: '{prompt}' }, outputIndex: 0 }, params, 'video')
    ).toBeUndefined()
    expect(checkMapping({ endpoint: '/run', args: ['{seed}', '{prompt}'], outputIndex: 0 }, params, 'video')).toMatch(
      /"prompt" expects text/
    )
    expect(checkMapping({ endpoint: '/run', args: { text: '{prompt}' }, outputIndex: 0 }, params, 'video')).toMatch(
      /no parameter "text"/
    )
    expect(checkMapping({ endpoint: '/run', args: { seed: '{seed}' }, outputIndex: 0 }, params, 'video')).toMatch(
      /needs "prompt"/
    )
    expect(checkMapping({ endpoint: '/run', args: ['{video}'], outputIndex: 0 }, params, 'video')).toMatch(
      /cannot fill \{video\}/
    )
    expect(checkMapping({ endpoint: '/run', args: [], outputIndex: 0 }, params, 'video')).toMatch(
      /"prompt" has no default/
    )
  })

  it('sorts client errors into transient and permanent', () => {
    const k = (m: string): string => classifySpaceError('s', new Error(m)).kind
    expect(k('This application is currently busy. Please try again. ')).toBe('transient')
    expect(k('Connection errored out. ')).toBe('transient')
    expect(k('Could not resolve app config. (received status 502 when fetching the app config)')).toBe('transient')
    expect(k('Could not resolve app config. (received status 404 when fetching the app config)')).toBe('permanent')
    expect(k('Login credentials are required to access this space.')).toBe('permanent')
    expect(k('This app appears to be running a legacy version of Gradio (3.x or earlier)')).toBe('permanent')
    expect(classifySpaceError('s', Object.assign(new Error('bad'), { code: 'validation_error' })).kind).toBe(
      'permanent'
    )
  })
})

describe('retry backoff', () => {
  it('doubles per attempt with at most 20 % jitter, capped at 5 minutes', () => {
    expect(backoffMs(1000, 1, () => 0)).toBe(1000)
    expect(backoffMs(1000, 3, () => 0)).toBe(4000)
    expect(backoffMs(1000, 3, () => 1)).toBe(4800)
    expect(backoffMs(1000, 30, () => 0)).toBe(300_000)
  })
})

describe('music segments', () => {
  it('lays shots end to end', () => {
    expect(
      planSegments([
        { jobId: 1, duration: 2 },
        { jobId: 2, duration: 1.5 },
        { jobId: 5, duration: 3 }
      ])
    ).toEqual({
      total: 6.5,
      segments: [
        { jobId: 1, offset: 0, duration: 2 },
        { jobId: 2, offset: 2, duration: 1.5 },
        { jobId: 5, offset: 3.5, duration: 3 }
      ]
    })
  })
})

describe('offline generator arguments', () => {
  it('derives colours from the prompt, caption via a text file, and falls back without a font', () => {
    const v = new OfflineVideo({ width: 256, height: 144, durationSeconds: 1, fontFile: '/fonts/a:b.ttf' })
    const a = v.buildArgs({ prompt: 'red sunset', seed: 1 }, '/o.mp4', '/tmp/cap.txt').join(' ')
    const b = v.buildArgs({ prompt: 'blue ocean', seed: 1 }, '/o.mp4', '/tmp/cap.txt').join(' ')
    expect(a).not.toEqual(b)
    expect(a).toContain('textfile=/tmp/cap.txt')
    expect(a).toContain('fontfile=/fonts/a\\:b.ttf')
    const noFont = new OfflineVideo({ fontFile: null })
    expect(noFont.hasCaption).toBe(false)
    expect(noFont.buildArgs({ prompt: 'x', seed: 1 }, '/o.mp4', undefined).join(' ')).not.toContain('drawtext')
    expect(captionFor('word '.repeat(30))).toMatch(/…\n\[offline generator\]$/)
    expect(escapeFilterValue("a:b,c'd")).toBe("a\\:b\\,c\\'d")
    expect(hashText('a')).not.toBe(hashText('b'))
  })
})

describe('HF token scope', () => {
  it('sends the token only to the Space’s own origin', async () => {
    const { spaceOrigins } = await import('../../../src/main/generation/gradio/space')
    expect(spaceOrigins('hysts/zeroscope-v2')).toEqual(['https://hysts-zeroscope-v2.hf.space'])
    expect(spaceOrigins('Some_User/My.Space')).toEqual(['https://some-user-my-space.hf.space'])
    expect(spaceOrigins('http://127.0.0.1:7860/')).toEqual(['http://127.0.0.1:7860'])
    expect(spaceOrigins('hysts/zeroscope-v2')).not.toContain('https://evil-space.hf.space')
  })
})
