/**
 * Issue 12 item 10, the CLI: nothing written outside the data folder (not even
 * node-media-server's store in the working directory), file names and prompts with
 * newlines/escape sequences printed escaped, strict numbers, channel names that could
 * look like others refused, and `jobs resume` without "shot 1/0".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, readdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { runWebtv, spawnWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { makeClip } from '../../fixtures/media'
import { freePort } from '../../fixtures/rtmp'

/** ESC or BEL reached the terminal raw. */
const hasEscapes = (s: string): boolean => s.includes('\x1b') || s.includes('\x07')

let tmp: ReturnType<typeof tempDir>
let dataDir: string
const webtv = (...args: string[]) => runWebtv([...args, '--data-dir', dataDir], { timeoutMs: 120_000 })

beforeAll(() => {
  tmp = tempDir()
  dataDir = join(tmp.dir, 'data')
})
afterAll(() => tmp.cleanup())

describe('webtv CLI hardening', () => {
  it('prints file names and prompts with newlines and terminal escapes escaped', async () => {
    let r = await webtv('channel', 'create', 'Esc', '--size', '320x180', '--fps', '12')
    expect(r.code, r.stderr).toBe(0)
    const plain = makeClip(tmp.dir, { seconds: 1, name: 'plain.mp4' })
    const evil = join(tmp.dir, 'evil\n[2] ok    forged.mp4 → shot 99\x1b]0;pwned\x07\x1b[2J.mp4')
    if (process.platform !== 'win32') renameSync(plain, evil)
    const file = process.platform === 'win32' ? plain : evil
    r = await webtv('import', '--channel', 'Esc', file)
    expect(r.code, r.stderr).toBe(0)
    // The result line, then where the clip is (the library, not the timeline).
    expect(r.stdout.trim().split('\n')).toHaveLength(2)
    expect(hasEscapes(r.stdout + r.stderr)).toBe(false)
    expect(r.stdout).toContain('evil\\n[2] ok    forged.mp4 → shot 99\\e]0;pwned\\x07\\e[2J.mp4')
    r = await webtv('shots', '--channel', 'Esc')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(2) // one shot + the "shown" line
    expect(hasEscapes(r.stdout)).toBe(false)
    r = await webtv('playlist', '--channel', 'Esc')
    expect(hasEscapes(r.stdout)).toBe(false)
  }, 180_000)

  it('accepts only plain whole numbers', async () => {
    for (const args of [
      ['shots', '--channel', 'Esc', '--limit', ' 3'],
      ['shots', '--channel', 'Esc', '--limit', '0x3'],
      ['shots', '--channel', 'Esc', '--offset', '1e1'],
      ['playlist', 'add', '--channel', 'Esc', '0x1'],
      ['playlist', 'add', '--channel', 'Esc', ' 1'],
      ['jobs', 'cancel', '0x3'],
      ['takes', '0b1']
    ]) {
      const r = await webtv(...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(/whole number|ids?\b/i)
    }
  }, 180_000)

  it('normalises channel names and refuses invisible or bidi characters', async () => {
    let r = await webtv('channel', 'create', 'Cafe\u0301 TV')
    expect(r.code, r.stderr).toBe(0)
    r = await webtv('channel', 'create', 'Caf\u00e9 TV')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/already exists/)
    r = await webtv('channel', 'list', '--json')
    expect((JSON.parse(r.stdout) as { channels: Array<{ name: string }> }).channels.map((c) => c.name)).toContain(
      'Caf\u00e9 TV'
    )
    for (const name of ['News\u200b', 'Ne\u202ews', '\u2066News\u2069', 'N\u00adews', 'Ne\ufeffws']) {
      r = await webtv('channel', 'create', name)
      expect(r.code, JSON.stringify(name)).not.toBe(0)
      expect(r.stderr).toMatch(/invisible or text-direction characters \(U\+[0-9A-F]{4}\)/)
    }
    r = await webtv('channel', 'create', 'Coders \u{1F469}\u200d\u{1F4BB}')
    expect(r.code, r.stderr).toBe(0)
  }, 180_000)

  it('jobs resume counts shots without "/0"', async () => {
    let r = await webtv(
      'generate',
      '--channel',
      'Esc',
      '--theme',
      'rain on glass',
      '--count',
      '1',
      '--backend',
      'offline',
      '--no-wait'
    )
    expect(r.code, r.stderr).toBe(0)
    r = await webtv('jobs', 'resume')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\] shot 1: /)
    expect(r.stdout).not.toMatch(/shot \d+\/0/)
  }, 180_000)

  it('air and serve write nothing into the folder they were started from', async () => {
    const cwd = join(tmp.dir, 'cwd')
    mkdirSync(cwd)
    const [rtmp, flv] = [await freePort(), await freePort()]
    const air = await runWebtv(
      [
        'air',
        '--channel',
        'Esc',
        '--duration',
        '3',
        '--rtmp-port',
        String(rtmp),
        '--flv-port',
        String(flv),
        '--data-dir',
        dataDir
      ],
      {
        cwd,
        timeoutMs: 120_000
      }
    )
    expect(air.code, air.stderr).toBe(0)
    expect(readdirSync(cwd)).toEqual([])
    const serve = spawnWebtv(['serve', '--port', '0', '--data-dir', dataDir], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    await new Promise<void>((resolve, reject) => {
      let out = ''
      serve.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('Press Ctrl-C')) resolve()
      })
      serve.once('exit', () => reject(new Error(`serve exited early: ${out}`)))
    })
    serve.kill('SIGINT')
    await new Promise((r) => serve.once('exit', r))
    expect(readdirSync(cwd)).toEqual([])
  }, 180_000)
})
