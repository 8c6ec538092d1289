import { afterEach, describe, expect, it } from 'vitest'
import { callCore } from '../../../src/main/cli/open-core'
import { startFakeSpace, type FakeSpace } from '../../fixtures/gradio-server'
import { runWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { openStudio } from '../../../src/main/studio'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('webtv generate / jobs / backends', () => {
  it('refuses bad arguments with what to do, and tests the configured Spaces in plain words', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const good: FakeSpace = await startFakeSpace({ signature: 'zeroscope' })
    const old: FakeSpace = await startFakeSpace({ signature: 'zeroscope', scenario: 'gradio3' })
    cleanups.push(
      () => good.close(),
      () => old.close()
    )
    const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    const ch = await callCore(core, 'library.channels.create', { name: 'News' })
    await callCore(core, 'generation.backends.set', {
      channelId: ch.id,
      settings: { video: { enabled: true, backend: 'gradio', preset: 'zeroscope-v2', spaces: [good.url, old.url] } }
    })
    await core.close()
    const dd = ['--data-dir', t.dir]

    const noTheme = await runWebtv(['generate', ...dd, '--channel', 'News'])
    expect(noTheme.code).toBe(2)
    expect(noTheme.stderr).toMatch(/--theme is required/)
    const noChannel = await runWebtv(['generate', ...dd, '--channel', 'Nope', '--theme', 'rain'])
    expect(noChannel.code).toBe(2)
    expect(noChannel.stderr).toMatch(/There is no channel "Nope". Create it with --create/)

    const test = await runWebtv(['backends', 'test', ...dd, '--channel', 'News'])
    expect(test.code).toBe(1)
    expect(test.stdout).toMatch(new RegExp(`ok   video ${good.url}: .*matches the mapping`))
    expect(test.stdout).toMatch(new RegExp(`FAIL video ${old.url}: .*Gradio 3\\.50\\.2.*Gradio 4 or newer`))

    const jobs = await runWebtv(['jobs', ...dd, '--json'])
    expect(jobs.code).toBe(0)
    expect(JSON.parse(jobs.stdout)).toEqual({ jobs: [] })
  })
})
