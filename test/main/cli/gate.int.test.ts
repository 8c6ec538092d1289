/**
 * `webtv gate` and the gate's side of `webtv shots`, run in-process through the CLI's
 * own entry (real studio, real SQLite, real ffmpeg and OCR behind the checks): the
 * policy and blocklist set and refused with a plain reason, text typed for air
 * refused by the blocklist, shots filtered by check, and the metrics counting it.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import parsePrometheus from 'parse-prometheus-text-format'
import { main } from '../../../src/main/cli'
import { callCore } from '../../../src/main/cli/open-core'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { OUTPUTS } from '../../../src/main/services'
import { openStudio } from '../../../src/main/studio'
import { tempDir } from '../../helpers/tmp'

let tmp: ReturnType<typeof tempDir>
let dataDir: string

/** `webtv …` through the CLI's main(): its exit code and what it printed. */
async function webtv(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true))
  try {
    const code = await main([...args, '--data-dir', dataDir])
    return { code, stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

function clip(name: string, source: string): string {
  const file = join(tmp.dir, name)
  execFileSync(toolPath('ffmpeg'), [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source],
    ...['-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]
  ])
  return file
}

beforeAll(() => {
  tmp = tempDir()
  dataDir = join(tmp.dir, 'data')
})
afterAll(() => tmp.cleanup())

interface PolicyJson {
  policy: { enabled: boolean; maxTries: number; takesPerHour: number; checks: string[] }
  budgetLeft: number
}

describe('webtv gate', () => {
  it('shows and sets the policy, refusing bad values by name and changing nothing', async () => {
    expect((await webtv('channel', 'create', 'Gate', '--size', '320x180', '--fps', '8')).code).toBe(0)
    let r = await webtv('gate', '--channel', 'Gate')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Quality gate of Gate: off/)
    expect(r.stdout).toMatch(/text\s+Text in the picture the shot did not ask for/)

    r = await webtv(
      'gate',
      'set',
      '--channel',
      'Gate',
      '--on',
      '--max-tries',
      '1',
      '--takes-per-hour',
      '5',
      '--checks',
      'black,frozen,text'
    )
    expect(r.code, r.stderr).toBe(0)
    r = await webtv('gate', 'show', '--channel', 'Gate', '--json')
    const set = JSON.parse(r.stdout) as PolicyJson
    expect(set.policy).toEqual({
      enabled: true,
      maxTries: 1,
      takesPerHour: 5,
      checks: ['black', 'frozen', 'text'],
      judge: false
    })
    expect(set.budgetLeft).toBe(5)

    const refusals: Array<[string[], number, RegExp]> = [
      [['--checks', 'black,sparkle'], 1, /Unknown check sparkle; the checks are black, frozen/],
      [['--max-tries=-1'], 2, /--max-tries must be a whole number, 0 or more/],
      [['--takes-per-hour', 'lots'], 2, /--takes-per-hour must be a whole number, 0 or more/],
      [['--max-tries', '11'], 1, /maxTries/],
      [['--on', '--off'], 2, /--on or --off, not both/],
      [['--checks', ' , '], 2, /--checks needs at least one check name/],
      [['--judge', 'maybe'], 2, /--judge takes on or off, got "maybe"/],
      [[], 2, /nothing to change/]
    ]
    for (const [args, code, message] of refusals) {
      r = await webtv('gate', 'set', '--channel', 'Gate', ...args)
      expect([r.code, r.stderr], args.join(' ')).toEqual([code, expect.stringMatching(message)])
    }
    // The studio's services: shown, set, a bad URL refused by name.
    r = await webtv('gate', 'moderation', '--on', '--url', 'http://127.0.0.1:9/v1', '--model', 'mod-1')
    expect([r.code, r.stdout.trim()]).toEqual([0, 'Moderation service: on, mod-1 at http://127.0.0.1:9/v1 (key none)'])
    r = await webtv('gate', 'judge', '--url', 'ftp://example.com/v1')
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/judge URL must be http/)])
    r = await webtv('gate', 'moderation', '--off')
    expect(r.stdout).toMatch(/Moderation service: off/)
    r = await webtv('gate', 'frob', '--channel', 'Gate')
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/unknown action "frob"/)])
    r = await webtv('gate', '--channel', 'Nowhere')
    expect(r.code).toBe(1)
    expect((JSON.parse((await webtv('gate', '--channel', 'Gate', '--json')).stdout) as PolicyJson).policy).toEqual(
      set.policy
    )
  })

  it('edits the global and per-channel blocklist; a bad pattern or a missing entry is refused', async () => {
    let r = await webtv('gate', 'blocklist', 'add', 'llama')
    expect(r.code, r.stderr).toBe(0)
    r = await webtv('gate', 'blocklist', 'add', '--channel', 'Gate', '/canon\\s*eos/i')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Blocklist of Gate: \/canon\\s\*eos\/i/)

    r = await webtv('gate', 'blocklist', 'add', '--channel', 'Gate', '/([a/')
    expect([r.code, r.stderr]).toEqual([
      1,
      expect.stringMatching(/pattern \/\(\[a\/ is not a valid regular expression/)
    ])
    r = await webtv('gate', 'blocklist', 'remove', 'nope')
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/nope is not on the global blocklist/)])
    r = await webtv('gate', 'blocklist', 'add')
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/give one word or \/pattern\/ to add/)])
    r = await webtv('gate', 'blocklist', 'empty', 'x')
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/unknown blocklist action "empty"/)])

    r = await webtv('gate', 'blocklist', 'add', 'brandname')
    r = await webtv('gate', 'blocklist', 'remove', 'brandname')
    expect(r.code, r.stderr).toBe(0)
    r = await webtv('gate', 'blocklist', '--channel', 'Gate', '--json')
    expect(JSON.parse(r.stdout)).toEqual({ global: ['llama'], channel: ['/canon\\s*eos/i'] })
  })

  it('refuses a channel name or AI label that matches the blocklist, saying why, storing nothing', async () => {
    let r = await webtv('channel', 'create', 'Llama TV')
    expect([r.code, r.stderr]).toEqual([
      1,
      expect.stringMatching(/channel's name is refused: .*global blocklist entry llama/)
    ])
    r = await webtv('channel', 'update', 'Gate', '--ai-label-text', 'Shot on Canon EOS')
    expect([r.code, r.stderr]).toEqual([
      1,
      expect.stringMatching(/AI label is refused: .*channel's blocklist entry \/canon\\s\*eos\/i/)
    ])
    r = await webtv('channel', 'update', 'Gate', '--name', 'Canon EOS news')
    expect(r.code).toBe(1)
    const { channels } = JSON.parse((await webtv('channel', 'list', '--json')).stdout) as {
      channels: Array<{ name: string; look: { aiLabel: { text: string } } }>
    }
    expect(channels.map((c) => [c.name, c.look.aiLabel.text])).toEqual([['Gate', 'AI-generated']])
  })

  it("filters shots by a failed check, carries each shot's check results in --json, and counts them in the metrics", async () => {
    const black = clip('black.mp4', 'color=c=black:s=320x180:r=8')
    const clean = clip('clean.mp4', 'gradients=s=320x180:r=8:speed=0.05:seed=3,format=yuv420p,noise=alls=12:allf=t+u')
    let r = await webtv('import', '--channel', 'Gate', black, clean, '--json')
    expect(r.code, r.stderr).toBe(0)
    const [blackId, cleanId] = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { shotId: number }).shotId)

    r = await webtv('shots', '--channel', 'Gate', '--check', 'black')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^\\s+${blackId}\\s`, 'm'))
    expect(r.stdout).toMatch(/failed black: /)
    expect(r.stdout).not.toMatch(new RegExp(`^\\s+${cleanId}\\s`, 'm'))
    r = await webtv('shots', '--channel', 'Gate', '--failed', '--json')
    expect((JSON.parse(r.stdout) as { shots: Array<{ id: number }> }).shots.map((s) => s.id)).toEqual([blackId])
    r = await webtv('shots', '--channel', 'Gate', '--check', 'text')
    expect(r.stdout).toMatch(/No shots whose chosen take failed the text check in Gate/)

    r = await webtv('shots', '--channel', 'Gate', '--check', 'sparkle')
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/Unknown check sparkle/)])
    r = await webtv('shots', '--channel', 'Gate', '--check', 'black', '--search', 'x')
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/--search cannot be combined with --check/)])

    r = await webtv('shots', '--channel', 'Gate', '--json')
    const shots = (
      JSON.parse(r.stdout) as {
        shots: Array<{
          id: number
          checks: Array<{ check: string; verdict: string; score: number; frames: number[]; reason: string }>
        }>
      }
    ).shots
    const blackChecks = shots.find((s) => s.id === blackId)!.checks
    const bc = blackChecks.find((c) => c.check === 'black')!
    expect(bc.verdict).toBe('fail')
    expect(bc.score).toBeGreaterThan(0)
    expect(bc.frames[0]).toBeCloseTo(0, 0)
    expect(bc.reason).toMatch(/black/i)
    const cleanChecks = shots.find((s) => s.id === cleanId)!.checks
    expect(cleanChecks.map((c) => c.check).sort()).toEqual([
      'black',
      'duration',
      'frozen',
      'judge',
      'loudness',
      'silence',
      'text'
    ])
    expect(cleanChecks.filter((c) => c.verdict === 'fail')).toEqual([])

    // The typed prompt the lower third shows passes the blocklist too; and the metrics count the gate.
    const core = await openStudio({ dataDir, shell: 'headless', version: 'test' })
    try {
      await expect(
        callCore(core, 'library.shots.update', { id: cleanId!, prompt: 'a llama in the flames' })
      ).rejects.toThrow(/prompt is refused: .*llama/)
      expect((await callCore(core, 'library.shots.get', { id: cleanId! })).prompt).not.toMatch(/llama/)
      const families = parsePrometheus(core.services.get(OUTPUTS).prometheus())
      const value = (name: string, labels: Record<string, string> = {}): string | undefined =>
        families
          .find((f) => f.name === name)
          ?.metrics.find((m) => Object.entries({ channel: 'Gate', ...labels }).every(([k, v]) => m.labels?.[k] === v))
          ?.value
      expect(value('webtv_gate_enabled')).toBe('1')
      expect(value('webtv_gate_checked_total')).toBe('2')
      expect(value('webtv_gate_failed_total')).toBe('1')
      expect(value('webtv_gate_failed_by_check_total', { check: 'black' })).toBe('1')
      expect(value('webtv_gate_held_total')).toBe('1')
      expect(value('webtv_gate_regenerated_total')).toBe('0')
      expect(value('webtv_gate_budget_left')).toBe('5')
      expect(families.find((f) => f.name === 'webtv_gate_checked_total')!.type).toBe('COUNTER')
    } finally {
      await core.close()
    }
  })
})
