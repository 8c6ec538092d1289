import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runWebtv, spawnWebtv, type RunResult } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'

const KEY = 'live_987654321_SuperSecretStreamKeyXYZ'
let dir: string
let cleanup: () => void

/** Run `webtv …` with text on stdin (how keys are given). */
function runWithStdin(args: string[], stdin: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnWebtv([...args, '--data-dir', dir], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    child.stdin!.end(stdin)
  })
}
const run = (args: string[]): Promise<RunResult> => runWebtv([...args, '--data-dir', dir])

beforeAll(async () => {
  const t = tempDir()
  dir = t.dir
  cleanup = t.cleanup
  expect((await run(['channel', 'create', 'news'])).code).toBe(0)
})
afterAll(() => cleanup())

describe('webtv destinations', () => {
  let twitchId = ''

  it('adds a Twitch destination with the key from stdin and only ever shows it masked', async () => {
    const r = await runWithStdin(
      ['destinations', 'add', '--channel', 'news', '--twitch', '--key-stdin', '--json'],
      KEY + '\n'
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain(KEY)
    const d = JSON.parse(r.stdout) as { id: string; kind: string; keyMasked: string }
    expect(d.kind).toBe('twitch')
    expect(d.keyMasked).toBe('••••••••yXYZ')
    twitchId = d.id
    // Kept in the secret store, not in the database.
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).toContain(KEY)
    expect(readFileSync(join(dir, 'library.db')).includes(Buffer.from(KEY))).toBe(false)
    const list = await run(['destinations', '--channel', 'news'])
    expect(list.stdout).toContain(twitchId)
    expect(list.stdout).not.toContain(KEY)
  })

  it('moves a key given inside an RTMP URL into the secret store', async () => {
    const r = await run([
      'destinations',
      'add',
      '--channel',
      'news',
      '--url',
      `rtmp://127.0.0.1:1936/app/${KEY}x`,
      '--json'
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain(`${KEY}x`)
    const d = JSON.parse(r.stdout) as { target: string; keyMasked: string | null }
    expect(d.target).not.toContain(KEY)
    expect(d.keyMasked).not.toBeNull()
  })

  it('refuses bad input with what to do', async () => {
    const both = await run(['destinations', 'add', '--channel', 'news'])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/either --twitch or --url/)
    const noKey = await runWithStdin(['destinations', 'add', '--channel', 'news', '--twitch'], '')
    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toMatch(/stream key.*--key-stdin/)
    const emptyKey = await runWithStdin(['destinations', 'add', '--channel', 'news', '--twitch', '--key-stdin'], '\n')
    expect(emptyKey.code).toBe(2)
    expect(emptyKey.stderr).toMatch(/Nothing was read from stdin/)
    const badUrl = await run(['destinations', 'add', '--channel', 'news', '--url', 'http://example.invalid/live'])
    expect(badUrl.code).toBe(1)
    expect(badUrl.stderr).toMatch(/rtmp/i)
    const nul = await runWithStdin(
      ['destinations', 'add', '--channel', 'news', '--twitch', '--key-stdin'],
      'live_abc\u0000def'
    )
    expect(nul.code).toBe(1)
    expect(nul.stderr).toMatch(/key: must not contain spaces or control characters/)
    expect(nul.stderr).not.toContain('live_abc')
    const noChannel = await run(['destinations', '--channel', 'nope'])
    expect(noChannel.code).toBe(1)
    expect(noChannel.stderr).toMatch(/nope/)
  })

  it('replaces a key, disables and removes a destination', async () => {
    const newKey = 'live_111_AnotherKeyValue999'
    const set = await runWithStdin(['destinations', 'set-key', twitchId, '--key-stdin'], newKey)
    expect(set.code).toBe(0)
    expect(set.stdout).not.toContain(newKey)
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).toContain(newKey)
    expect((await run(['destinations', 'disable', twitchId])).stdout).toMatch(/disabled/)
    const rm = await run(['destinations', 'remove', twitchId])
    expect(rm.code).toBe(0)
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain(newKey)
    expect((await run(['destinations', '--channel', 'news'])).stdout).not.toContain(twitchId)
  })
})
