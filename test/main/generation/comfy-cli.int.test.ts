import { afterEach, describe, expect, it } from 'vitest'
import { openStudio } from '../../../src/main/studio'
import { callCore } from '../../../src/main/cli/open-core'
import { startFakeComfy } from '../../fixtures/comfyui-server'
import { freePort } from '../../fixtures/rtmp'
import { runWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('webtv comfy', () => {
  it('adds servers, shows their health, picks a workflow and generates on ComfyUI with continuity', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const s = await startFakeComfy({ latencyMs: 200 })
    cleanups.push(() => s.close())
    const dead = `http://127.0.0.1:${await freePort()}`
    const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    await callCore(core, 'library.channels.create', { name: 'Gpu', format: { width: 256, height: 144, fps: 24 } })
    await core.close()
    const dd = ['--data-dir', t.dir]

    expect((await runWebtv(['comfy', 'add', s.url, ...dd, '--channel', 'Gpu'])).code).toBe(0)
    expect((await runWebtv(['comfy', 'add', dead, ...dd, '--channel', 'Gpu', '--concurrency', '1'])).code).toBe(0)
    const badUrl = await runWebtv(['comfy', 'add', 'gpu-box:8188', ...dd, '--channel', 'Gpu'])
    expect(badUrl.code).not.toBe(0)
    expect(badUrl.stderr).toMatch(/http\(s\) address/)
    const badWorkflow = await runWebtv(['comfy', 'use', ...dd, '--channel', 'Gpu', '--video', 'sora'])
    expect(badWorkflow.code).toBe(2)
    expect(badWorkflow.stderr).toMatch(/--video is one of wan22-t2v/)
    expect(
      (await runWebtv(['comfy', 'use', ...dd, '--channel', 'Gpu', '--video', 'wan22-t2v', '--seconds', '1'])).code
    ).toBe(0)

    const servers = await runWebtv(['comfy', 'servers', ...dd, '--channel', 'Gpu'])
    expect(servers.code).toBe(1)
    expect(servers.stdout).toMatch(new RegExp(`^up\\s+${s.url}  ×2  ComfyUI 0\\.3\\.60 .* has every node`, 'm'))
    expect(servers.stdout).toMatch(new RegExp(`^down\\s+${dead}  ×1  .*unreachable`, 'm'))
    expect(servers.stdout).toMatch(/steps on ComfyUI: video \(wan22-t2v\)/)

    // The dead server is removed; two shots, the second from the first one's last frame.
    expect((await runWebtv(['comfy', 'remove', dead, ...dd, '--channel', 'Gpu'])).code).toBe(0)
    const gen = await runWebtv(
      ['generate', ...dd, '--channel', 'Gpu', '--theme', 'a paper boat on a river', '--count', '2', '--continuity'],
      { timeoutMs: 90_000 }
    )
    expect(gen.stderr).toBe('')
    expect(gen.code).toBe(0)
    expect(gen.stdout).toMatch(/2 of 2 shots ready/)
    expect(s.submits).toHaveLength(2)
    expect(s.uploads).toHaveLength(1)
  }, 120_000)
})
