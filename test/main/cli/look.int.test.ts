/** `webtv channel update` look options: applied, shown, and refused with a plain reason and exit code. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { tempDir } from '../../helpers/tmp'
import { runWebtv } from '../../helpers/cli'
import { toolPath } from '../../../src/main/media/ffmpeg-path'

let tmp: ReturnType<typeof tempDir>
let dataDir: string
const webtv = (...args: string[]) => runWebtv([...args, '--data-dir', dataDir], { timeoutMs: 90_000 })

beforeAll(() => {
  tmp = tempDir()
  dataDir = join(tmp.dir, 'data')
})
afterAll(() => tmp.cleanup())

describe('webtv channel update: the look', () => {
  it('sets loudness, logo, label, lower third and dips, and refuses bad values changing nothing', async () => {
    let r = await webtv('channel', 'create', 'Looks', '--size', '320x180', '--fps', '12')
    expect(r.code, r.stderr).toBe(0)
    const logo = join(tmp.dir, 'logo.png')
    execFileSync(toolPath('ffmpeg'), [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=white@0.8:s=64x32,format=rgba',
      '-frames:v',
      '1',
      logo
    ])

    r = await webtv(
      'channel',
      'update',
      'Looks',
      '--loudness=-23',
      '--logo',
      logo,
      '--logo-position',
      'bottom-right',
      '--logo-opacity',
      '0.6',
      '--ai-label-text',
      'Made with AI',
      '--lower-third',
      'prompt',
      '--lower-third-seconds',
      '4',
      '--dip',
      '0.5'
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /look: -23 LUFS, logo bottom-right 12%, label "Made with AI" top-left, lower third: prompt 4s, dips 0.5s/
    )

    const refused: Array<[string[], RegExp, number]> = [
      [['--loudness=-40'], /outside -31…-5 LUFS/, 1],
      [['--logo', join(tmp.dir, 'missing.png')], /does not exist/, 1],
      [['--logo-position', 'middle'], /--logo-position must be one of/, 2],
      [['--ai-label', 'maybe'], /--ai-label is on or off/, 2],
      [['--dip', 'soon'], /--dip must be a number/, 2],
      [['--logo', logo, '--no-logo'], /either --logo FILE or --no-logo/, 2]
    ]
    for (const [args, message, code] of refused) {
      const bad = await webtv('channel', 'update', 'Looks', ...args)
      expect(bad.code, args.join(' ')).toBe(code)
      expect(bad.stderr, args.join(' ')).toMatch(message)
    }
    r = await webtv('channel', 'list', '--json')
    const { channels } = JSON.parse(r.stdout) as {
      channels: Array<{
        look: {
          loudness: { targetLufs: number }
          logo: { position: string; opacity: number } | null
          dipSeconds: number
          aiLabel: { enabled: boolean }
        }
      }>
    }
    expect(channels[0]!.look).toMatchObject({
      loudness: { targetLufs: -23 },
      logo: { position: 'bottom-right', opacity: 0.6 },
      dipSeconds: 0.5
    })

    r = await webtv('channel', 'update', 'Looks', '--no-logo', '--ai-label', 'off', '--dip', '0')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/no logo, no AI label, lower third: prompt 4s, hard cuts/)
  })
})
