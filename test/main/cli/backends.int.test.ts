import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCommandInProcess, runWebtv, spawnWebtv, type RunResult } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { startFakeFal } from '../../fixtures/fal-server'
import { backendsCommand } from '../../../src/main/cli/backends-command'

/** The real command in this process (no tsx start-up per call): what the CLI prints, and its exit code. */
const inProcess = (argv: string[]): ReturnType<typeof runCommandInProcess> => runCommandInProcess(backendsCommand, argv)

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const KEY = 'fal-key-id:fal-key-secret-cli-9876'

function runWithStdin(args: string[], stdin: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnWebtv(args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    child.stdin!.end(stdin)
  })
}

describe('webtv backends (every kind)', () => {
  it('sets fal with a preset, parameters, a local gateway and the key from stdin; lists it masked; tests it; refuses bad input', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const fake = await startFakeFal({ key: KEY, endpoints: ['fal-ai/wan/v2.2-a14b/text-to-video'] })
    cleanups.push(() => fake.close())
    const dd = ['--data-dir', t.dir]
    expect((await runWebtv(['channel', 'create', 'Kites', ...dd])).code).toBe(0)

    const set = await runWithStdin(
      [
        'backends',
        'set',
        ...dd,
        '--channel',
        'Kites',
        '--video',
        'fal',
        '--video-preset',
        'wan22-t2v-a14b',
        '--video-param',
        'frames=97',
        '--video-param',
        'extra.aspect_ratio=16:9',
        '--video-gateway',
        fake.url,
        '--video-token-to-host',
        'on',
        '--fal-key-stdin'
      ],
      `${KEY}\n`
    )
    expect(set.stderr).toBe('')
    expect(set.code).toBe(0)
    expect(set.stdout).toMatch(
      /video\s+fal fal-ai\/wan\/v2\.2-a14b\/text-to-video \[wan22-t2v-a14b\] \(frames 97, fps 16/
    )
    expect(set.stdout).toContain('fal key: ••••••••9876')
    expect(set.stdout).not.toContain(KEY)
    expect(readFileSync(join(t.dir, 'library.db')).includes(Buffer.from(KEY))).toBe(false)

    const list = await runWebtv(['backends', 'list', ...dd, '--channel', 'Kites'])
    expect(list.stdout).toMatch(/video\s+fal .* via http:\/\/127\.0\.0\.1:\d+ \(key sent\)/)
    expect(list.stdout).toMatch(/fal key\s+••••••••9876/)

    const test = await runWebtv(['backends', 'test', ...dd, '--channel', 'Kites', '--step', 'video'])
    expect(test.stdout).toMatch(/^ok {3}video fal-ai\/wan\/v2\.2-a14b\/text-to-video: Key accepted by fal/m)
    expect(test.code).toBe(0)
    expect(fake.stats.submits).toHaveLength(0)

    // Switch the key off for the gateway: the test says why, in plain words, and nothing is sent.
    const heard = fake.stats.authHeaders.length
    expect((await inProcess(['set', ...dd, '--channel', 'Kites', '--video-token-to-host', 'off'])).code).toBe(0)
    const refused = await runWebtv(['backends', 'test', ...dd, '--channel', 'Kites', '--step', 'video'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/FAIL video .*goes only to fal\.ai \/ fal\.run.*switch on/)
    expect(fake.stats.authHeaders.length).toBe(heard)

    const bad: Array<[string[], RegExp]> = [
      [['--video-param', 'wobble=3'], /unknown parameter "wobble"/],
      [['--video-param', 'frames=lots'], /frames must be a number/],
      [['--video-model', 'x/y'], /--video-model \/ --video-provider are for hf-inference/],
      [['--video', 'hf-inference', '--video-provider', 'acme'], /--video-provider is one of auto, fal-ai/],
      [['--video-preset', 'stable-audio-open'], /--video-preset is one of wan22-ti2v-5b/],
      [['--upscale', 'fal'], /--upscale must be off, local, offline, gradio/],
      [['--video', 'gradio', '--video-endpoint', 'a/b'], /--video-endpoint is for the hf-inference and fal backends/],
      [
        ['--video-gateway', 'http://10.0.0.9:8080', '--video-token-to-host', 'on'],
        /plain http on another machine: a key is never sent there/
      ],
      [['--video-gateway', 'https://gw.example.org/some/path'], /origin only/]
    ]
    for (const [args, message] of bad) {
      const r = await inProcess(['set', ...dd, '--channel', 'Kites', ...args])
      expect(r.code, args.join(' ')).not.toBe(0)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
    // Nothing stored was changed by the refused calls.
    const after = JSON.parse((await inProcess(['list', ...dd, '--channel', 'Kites', '--json'])).stdout) as {
      settings: { video: { backend: string; configs: Array<{ params: { frames: number } }> } }
    }
    expect(after.settings.video.backend).toBe('fal')
    expect(after.settings.video.configs[0]!.params.frames).toBe(97)
  }, 120_000)

  it('lists the presets, the 2023 Spaces marked legacy', async () => {
    const r = await inProcess(['presets'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /wan22-ti2v-5b\s+video\s+hf Wan-AI\/Wan2\.2-TI2V-5B · fal fal-ai\/wan\/v2\.2-5b\/text-to-video/
    )
    expect(r.stdout).toMatch(/stable-audio-open\s+music/)
    expect(r.stdout).toMatch(/zeroscope-v2\s+space\s+Zeroscope v2 576w \(legacy\)/)
    expect(r.stdout).not.toMatch(/musicgen.*legacy/)
  })
})
