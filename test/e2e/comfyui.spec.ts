import { test, expect } from './fixtures'
import { callCore, createChannelInUi, openStudio } from './ui-helpers'
import { startFakeComfy, type FakeComfy } from '../fixtures/comfyui-server'

interface Jobs {
  jobs: { id: number; kind: string; state: string; index: number; shotId: number | null; endpoint: string | null }[]
}

test.describe('studio: ComfyUI servers', () => {
  let gpu: FakeComfy
  test.beforeEach(async () => {
    gpu = await startFakeComfy({ latencyMs: 400 })
  })
  test.afterEach(async () => {
    await gpu.close()
  })

  test('servers with health in the settings; jobs show where they run; the preview shows a take continued the previous shot', async ({
    page,
    studio
  }) => {
    test.setTimeout(180_000)
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Comfy E2E')
    await page.getByRole('button', { name: 'Settings' }).click()
    const form = page.getByRole('form', { name: 'ComfyUI servers' })
    await form.getByLabel('Add a server').fill(gpu.url)
    await form.getByRole('button', { name: 'Save servers' }).click()
    const row = form.getByTestId('comfy-server')
    await expect(row).toHaveCount(1)
    await expect(row).toContainText(gpu.url)
    // Not claimed up before the engine has talked to it.
    await expect(row).toHaveAttribute('data-state', 'unknown')

    const channelId = (
      await callCore<{ channels: { id: number; name: string }[] }>(
        page.request,
        studio.baseUrl,
        'library.channels.list',
        {}
      )
    ).channels.find((c) => c.name === 'Comfy E2E')!.id
    const backends = page.getByRole('form', { name: 'Backends' })
    await backends.locator('fieldset').first().getByLabel('Runs on').selectOption('comfyui')
    await backends.getByRole('button', { name: 'Save backends' }).click()
    await backends.getByRole('button', { name: 'Test connection' }).click()
    await expect(page.getByLabel('Connection test results')).toContainText('has every node the workflow needs')
    await expect(row).toHaveAttribute('data-state', 'up')

    await callCore(page.request, studio.baseUrl, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a paper boat sets off, slow pan' }, { prompt: 'the boat drifts under a bridge' }],
      music: false,
      continuity: true
    })
    await page.getByRole('button', { name: 'Studio', exact: true }).click()
    await page.getByRole('tab', { name: 'Generate' }).click()
    await expect(page.getByTestId('job-endpoint').first()).toContainText(gpu.url)
    await expect
      .poll(
        async () =>
          (await callCore<Jobs>(page.request, studio.baseUrl, 'generation.jobs.list', { channelId })).jobs.filter(
            (j) => j.state === 'ready'
          ).length,
        { timeout: 120_000 }
      )
      .toBe(2)
    const jobs = (await callCore<Jobs>(page.request, studio.baseUrl, 'generation.jobs.list', { channelId })).jobs
    expect(jobs.every((j) => j.endpoint === gpu.url)).toBe(true)
    const second = jobs.find((j) => j.index === 1)!
    const first = jobs.find((j) => j.index === 0)!
    await page
      .locator('[data-testid="job"][data-state="ready"]')
      .filter({ hasText: 'the boat drifts' })
      .getByRole('button', { name: 'Preview' })
      .click()
    const preview = page.getByRole('region', { name: 'Preview' })
    await expect(preview.getByTestId('take-origin')).toContainText(`continues shot #${first.shotId}`)
    await expect(preview.getByTestId('take-origin')).toContainText(`wan22-i2v on ${gpu.url}`)
    expect(second.shotId).not.toBeNull()
    expect(gpu.uploads).toHaveLength(1)
  })
})
