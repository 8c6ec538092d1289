import { join } from 'node:path'
import { test, expect } from './fixtures'
import { callCore, createChannelInUi, openStudio, screenshotDir } from './ui-helpers'

test.describe('studio: settings', () => {
  test('shows the data folder, saves the channel format and ports, tests backends, keeps tokens masked', async ({
    page,
    studio
  }) => {
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Settings E2E')
    await page.getByRole('button', { name: 'Settings' }).click()
    const studioCard = page.getByRole('region', { name: 'Studio' })
    await expect(studioCard).toContainText(studio.dataDir)
    // Which ffmpeg/ffprobe the core uses, and where each came from.
    await expect(studioCard.getByTestId('tool-ffmpeg')).toContainText(
      /ffmpeg.*\((found on PATH|bundled \(ffmpeg-static\)|set by WEBTV_FFMPEG\/WEBTV_FFPROBE)\)/
    )
    await expect(studioCard.getByTestId('tool-ffprobe')).toContainText(
      /ffprobe.*\((next to the ffmpeg in use|bundled \(@ffprobe-installer\)|found on PATH|set by WEBTV_FFMPEG\/WEBTV_FFPROBE)\)/
    )

    // Channel format: 25 fps saved through the contract.
    const channelForm = page.getByRole('form', { name: 'Channel' })
    await channelForm.getByLabel('Frame rate').selectOption('25')
    await channelForm.getByLabel('Theme (the autopilot writes from it)').fill('night trains across snowy plains')
    await channelForm.getByRole('button', { name: 'Save channel' }).click()
    await expect
      .poll(async () =>
        (
          await callCore<{ channels: { name: string; theme: string; format: { fps: number } }[] }>(
            page.request,
            studio.baseUrl,
            'library.channels.list',
            {}
          )
        ).channels.find((c) => c.name === 'Settings E2E')
      )
      .toMatchObject({ theme: 'night trains across snowy plains', format: { fps: 25 } })

    // Quality gate: a value out of range is refused by the core in its words, changing nothing;
    // turned on with 3 tries it saves, and the form shows what the core kept.
    const channels = await callCore<{ channels: { id: number; name: string }[] }>(
      page.request,
      studio.baseUrl,
      'library.channels.list',
      {}
    )
    const channelId = channels.channels.find((c) => c.name === 'Settings E2E')!.id
    const storedGate = async () =>
      (
        await callCore<{ policy: { enabled: boolean; maxTries: number } }>(
          page.request,
          studio.baseUrl,
          'gate.policy.get',
          { channelId }
        )
      ).policy
    const gate = page.getByRole('form', { name: 'Quality gate' })
    await expect(gate.getByLabel('Max tries')).toHaveValue('2')
    await gate.getByLabel('Max tries').fill('99')
    await gate.getByRole('button', { name: 'Save quality gate' }).click()
    await expect(gate.getByRole('alert')).toContainText(/maxTries.*10/)
    expect(await storedGate()).toMatchObject({ enabled: false, maxTries: 2 })
    await gate.getByLabel('Max tries').fill('3')
    await gate.getByLabel(/Check every new take/).check()
    await gate.getByRole('button', { name: 'Save quality gate' }).click()
    await expect.poll(storedGate).toMatchObject({ enabled: true, maxTries: 3 })
    await expect(gate.getByRole('alert')).toHaveCount(0)
    await expect(gate.getByLabel('Max tries')).toHaveValue('3')
    await expect(gate.getByLabel(/Check every new take/)).toBeChecked()
    await expect(gate.getByRole('button', { name: 'Save quality gate' })).toBeDisabled()
    await gate.screenshot({ path: join(screenshotDir, 'settings-gate.png') })

    // Ports: the same port twice is refused in place, with the reason.
    const ports = page.getByRole('form', { name: 'Stream server' })
    const rtmp = ports.getByLabel('RTMP port')
    const original = await rtmp.inputValue()
    await rtmp.fill(await ports.getByLabel('HTTP-FLV port').inputValue())
    await expect(ports).toContainText('must differ')
    await expect(ports.getByRole('button', { name: 'Save stream server' })).toBeDisabled()
    await rtmp.fill(original)

    // The LLM key is write-only: after saving, only a masked form comes back.
    const llm = page.getByRole('form', { name: 'Prompt writer (LLM)' })
    const secret = 'sk-e2e-very-secret-0123456789'
    await llm.getByLabel(/API key/).fill(secret)
    await expect(llm.getByLabel(/API key/)).toHaveAttribute('type', 'password')
    await llm.getByRole('button', { name: 'Save writer' }).click()
    await expect(llm.getByText(/stored:/)).toBeVisible()
    await expect(llm.getByLabel(/API key/)).toHaveValue('')
    expect(await page.content()).not.toContain(secret)

    // Test connection with the offline backends answers in plain words.
    await page.getByRole('button', { name: 'Test connection' }).click()
    await expect(page.getByRole('list', { name: 'Connection test results' })).toBeVisible()
    await page.screenshot({ path: join(screenshotDir, 'settings.png') })
  })

  test('keyboard: every control is reachable and focus is visible', async ({ page, studio }) => {
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Keys')
    // Tab through the whole page once (until focus leaves it), noting each control and its focus ring.
    await expect(page.getByRole('button', { name: 'Go Live' })).toBeVisible()
    await page.locator('.brand').click()
    const seen: { label: string; outline: string }[] = []
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab')
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        if (!el || el === document.body) return null
        const s = getComputedStyle(el)
        return {
          label: el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? el.tagName,
          outline: `${s.outlineStyle} ${s.outlineWidth}`
        }
      })
      if (!f) break
      seen.push(f)
    }
    const labels = seen.map((f) => f.label)
    for (const want of [
      '+ New channel',
      'Import…',
      'Search prompts',
      'Filter by status',
      'Go Live',
      '+ Add destination',
      'Generate'
    ]) {
      expect(
        labels.some((l) => l.includes(want)),
        `${want} not reachable by Tab: ${labels.join(' | ')}`
      ).toBe(true)
    }
    // Every focused control draws the :focus-visible ring.
    expect(
      seen.filter((f) => !f.outline.startsWith('solid')),
      JSON.stringify(seen)
    ).toEqual([])
  })
})
