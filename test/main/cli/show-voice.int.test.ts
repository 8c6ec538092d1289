import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { showCommand } from '../../../src/main/cli/show-commands'
import { runCommandInProcess, runWebtvWithStdin } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { startFakeLlm, type FakeLlm } from '../../fixtures/openai-server'
import { soundIntervals } from '../../fixtures/speech-onsets'

const KEY = 'sk-cli-voice-secret-4321'

let t: ReturnType<typeof tempDir>
let server: FakeLlm
let dd: string[]
beforeAll(async () => {
  t = tempDir()
  dd = ['--data-dir', join(t.dir, 'data')]
  server = await startFakeLlm({ apiKey: KEY })
})
afterAll(async () => {
  await server.close()
  t.cleanup()
})

const show = (args: string[]) => runCommandInProcess(showCommand, [...args, ...dd])

// Real programs: espeak-ng and ffmpeg per sentence, and one `webtv` started through tsx — slow on a busy machine.
const REAL_PROCESSES_MS = 180_000

describe('webtv show voice', () => {
  it(
    'prints the OS voice by default; test speaks a sample and keeps the WAV where asked',
    async () => {
      const get = await show(['voice'])
      expect(get.code, get.stderr).toBe(0)
      expect(get.stdout).toMatch(/^Provider: the OS voice \(espeak-ng/)
      expect(get.stdout).toContain('Rate:     1')
      const out = join(t.dir, 'sample.wav')
      const test = await show(['voice', 'test', '--text', 'Hello there. The rain has stopped.', '--out', out])
      expect(test.code, test.stderr).toBe(0)
      expect(test.stdout).toMatch(/^Spoken by espeak-ng.*: \d+\.\d s, \d+ bytes → .*sample\.wav\.$/)
      expect(readFileSync(out).subarray(0, 4).toString()).toBe('RIFF')
      // Two sentences, two stretches of speech that ffmpeg hears.
      expect((await soundIntervals(out)).length).toBeGreaterThanOrEqual(2)
    },
    REAL_PROCESSES_MS
  )

  it(
    'sets a speech server with the key from stdin: stored, shown masked, never echoed; the test goes to that server',
    async () => {
      const set = await runWebtvWithStdin(
        [
          'show',
          'voice',
          '--provider',
          'openai',
          '--url',
          server.url,
          '--model',
          'kokoro',
          '--voice',
          'af_bella',
          '--rate',
          '1.25',
          '--key-stdin',
          ...dd
        ],
        `${KEY}\n`
      )
      expect(set.code, set.stderr).toBe(0)
      expect(set.stdout).toContain(`Server:   ${server.url}`)
      expect(set.stdout).toContain('Model: kokoro')
      expect(set.stdout).toContain('Voice:    af_bella')
      expect(set.stdout).toContain('Rate:     1.25')
      expect(set.stdout).toContain('API key:  ••••••••4321')
      expect(set.stdout + set.stderr).not.toContain(KEY)

      const json = await show(['voice', '--json'])
      expect(JSON.parse(json.stdout)).toMatchObject({
        provider: 'openai',
        baseUrl: server.url,
        model: 'kokoro',
        voice: 'af_bella',
        rate: 1.25,
        apiKey: '••••••••4321'
      })
      const test = await show(['voice', 'test', '--text', 'Over there.', '--voice', 'am_adam'])
      expect(test.code, test.stderr).toBe(0)
      expect(server.speech.at(-1)).toMatchObject({
        input: 'Over there.',
        voice: 'am_adam',
        model: 'kokoro',
        speed: 1.25
      })
      expect(server.speech.at(-1)!.authorization).toBe(`Bearer ${KEY}`)
      expect(test.stdout).not.toContain(KEY)

      // Removed again: the server's address is kept for later.
      const removed = await show(['voice', '--provider', 'os', '--remove-key'])
      expect(removed.code, removed.stderr).toBe(0)
      expect(JSON.parse((await show(['voice', '--json'])).stdout)).toMatchObject({
        provider: 'os',
        baseUrl: server.url,
        apiKey: null
      })
    },
    REAL_PROCESSES_MS
  )

  it(
    'refuses bad input with the problem named, and changes nothing stored',
    async () => {
      const before = (await show(['voice', '--json'])).stdout
      const cases: Array<[string[], number, RegExp]> = [
        [['voice', '--provider', 'alexa'], 2, /--provider is one of os, openai, hf, fal; got "alexa"/],
        [['voice', '--rate', 'fast'], 2, /--rate is a speed from 0\.5 to 2 .* got "fast"/],
        [['voice', '--rate', '3'], 2, /--rate is a speed from 0\.5 to 2/],
        [['voice', '--rate', '1e0'], 2, /--rate is a speed/],
        [['voice', '--key-stdin', '--remove-key'], 2, /--key-stdin or --remove-key, not both/],
        [['voice', 'test', '--provider', 'os'], 2, /--provider changes the settings/],
        [['voice', '--out', 'x.wav'], 2, /--text and --out go with `webtv show voice test`/],
        [['voice', 'speak'], 2, /Unknown: webtv show voice speak/],
        [['voice', 'test', 'now'], 2, /Unknown: webtv show voice test now/],
        [['plan', '--channel', 'X', '--voice', 'v'], 2, /--voice belongs to `webtv show voice`/],
        // The core's own checks, the field named.
        [['voice', '--provider', 'openai', '--url', 'not a url'], 1, /not a server address/],
        [['voice', '--voice', 'en; rm -rf /'], 1, /voice/i],
        [['voice', '--provider', 'hf', '--model', 'kokoro; rm'], 1, /not a Hugging Face model id/],
        [['voice', 'test', '--text', 'x'.repeat(201)], 1, /text/i]
      ]
      for (const [args, code, message] of cases) {
        const r = await show(args)
        expect(r.code, `webtv show ${args.join(' ')}`).toBe(code)
        expect(r.stderr).toMatch(message)
      }
      // Nothing piped in: said, with how to do it.
      const empty = await runWebtvWithStdin(['show', 'voice', '--key-stdin', ...dd], '')
      expect(empty.code).toBe(2)
      expect(empty.stderr).toMatch(/Nothing was read from stdin; pipe the secret in/)
      expect((await show(['voice', '--json'])).stdout).toBe(before)
      expect(existsSync(join(t.dir, 'x.wav'))).toBe(false)
    },
    REAL_PROCESSES_MS
  )
})
