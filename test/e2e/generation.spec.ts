import { join } from 'node:path'
import { test, expect } from './fixtures'
import { callCore, createChannelInUi, openStudio, screenshotDir } from './ui-helpers'

interface Jobs {
  jobs: { id: number; kind: string; prompt: string; state: string }[]
}

test.describe('studio: generation', () => {
  test('theme → editable prompts → send → jobs progress → shots in the library and timeline', async ({
    page,
    studio
  }) => {
    test.setTimeout(240_000)
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Gen E2E')
    await page.getByRole('tab', { name: 'Generate' }).click()
    await page.getByLabel('Theme').fill('a lighthouse on a stormy night, warm lamp light')
    await page.getByLabel('Shots', { exact: true }).fill('2')
    await page.getByRole('button', { name: 'Write prompts' }).click()

    // The written prompts are shown for editing before anything is sent.
    const first = page.getByLabel('Prompt of shot 1')
    await expect(first).not.toHaveValue('')
    await expect(page.getByLabel('Prompt of shot 2')).not.toHaveValue('')
    const edited = 'slow dolly toward the lighthouse, waves crash below, warm lamp light, stormy night'
    await first.fill(edited)
    await page.screenshot({ path: join(screenshotDir, 'generate-prompts.png') })
    await page.getByRole('button', { name: /Send 2 to the queue/ }).click()

    // Jobs appear and finish; the edited prompt is what the core queued.
    const channelId = (
      await callCore<{ channels: { id: number; name: string }[] }>(
        page.request,
        studio.baseUrl,
        'library.channels.list',
        {}
      )
    ).channels.find((c) => c.name === 'Gen E2E')!.id
    const jobs = await callCore<Jobs>(page.request, studio.baseUrl, 'generation.jobs.list', { channelId })
    expect(jobs.jobs.some((j) => j.prompt === edited)).toBe(true)
    await expect(page.getByTestId('job').first()).toBeVisible()
    await expect
      .poll(
        async () =>
          (await callCore<Jobs>(page.request, studio.baseUrl, 'generation.jobs.list', { channelId })).jobs.filter(
            (j) => j.kind === 'shot' && j.state === 'ready'
          ).length,
        { timeout: 180_000 }
      )
      .toBe(2)
    await expect(page.locator('[data-testid="job"][data-state="ready"]').filter({ hasText: edited })).toHaveCount(1)
    await expect(page.getByTestId('shot-card')).toHaveCount(2)
    await expect(page.getByTestId('timeline-item')).toHaveCount(2)
    await page.screenshot({ path: join(screenshotDir, 'generate-jobs.png') })

    // Full-text search over prompts finds the edited shot only.
    await page.getByLabel('Search prompts').fill('dolly crash')
    await expect(page.getByTestId('shot-card')).toHaveCount(1)
    await expect(page.getByTestId('shot-card')).toContainText('slow dolly toward the lighthouse')
    await page.getByLabel('Search prompts').fill('')
    await expect(page.getByTestId('shot-card')).toHaveCount(2)

    // Review: reject a shot in the preview; the "awaiting review" filter then lists exactly it; approve it again.
    await page.getByTestId('shot-card').filter({ hasText: 'slow dolly' }).click()
    const preview = page.getByRole('region', { name: 'Preview' })
    await preview.getByRole('button', { name: '✕ Reject' }).click()
    await expect(preview).toContainText('awaiting review')
    await page.getByLabel('Filter by status').selectOption('unapproved')
    await expect(page.getByTestId('shot-card')).toHaveCount(1)
    await expect(page.getByTestId('timeline-item').filter({ hasText: 'review' })).toHaveCount(1)
    await preview.getByRole('button', { name: '✓ Approve' }).click()
    await expect(preview).toContainText('approved')
    await expect(page.getByTestId('shot-card')).toHaveCount(0)
    await page.getByLabel('Filter by status').selectOption('all')
    await expect(page.getByTestId('shot-card')).toHaveCount(2)

    // Takes: the shot's first take is in use; "Same seed" makes a second take (no new shot), and using it switches the shot.
    const takes = preview.getByRole('region', { name: 'Takes' })
    await expect(takes.getByTestId('take')).toHaveCount(1)
    await expect(takes.getByTestId('take').first()).toHaveAttribute('aria-current', 'true')
    await preview.getByRole('button', { name: 'Same seed' }).click()
    await expect(takes.getByTestId('take')).toHaveCount(2, { timeout: 120_000 })
    await expect(takes.getByRole('button', { name: 'Use take 2' })).toBeEnabled({ timeout: 60_000 })
    await takes.getByRole('button', { name: 'Play take 2 in the preview' }).click()
    await expect(preview.getByTestId('preview-video')).toHaveAttribute('data-take-id', /\d+/)
    await takes.getByRole('button', { name: 'Use take 2' }).click()
    await expect(takes.getByTestId('take').nth(1)).toHaveAttribute('aria-current', 'true')
    await expect(takes.getByTestId('take').first()).not.toHaveAttribute('aria-current', 'true')
    await expect(page.getByTestId('shot-card')).toHaveCount(2)
    await expect(page.getByTestId('timeline-item')).toHaveCount(2)
  })
})
