import { test, expect } from './fixtures'
import { callCore, createChannelInUi, openStudio } from './ui-helpers'

test.describe('Go Live: destination presets', () => {
  test('adds YouTube (backup ingest) and Kick from the form, asks for what each platform needs, never shows the key', async ({
    page,
    studio
  }) => {
    const key = 'yt-e2e-key-5f3a9c'
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Presets E2E')

    await page.getByRole('button', { name: '+ Add destination' }).click()
    await page.getByLabel('YouTube').check()
    // No key yet: the form says where YouTube shows it, and adds nothing.
    await page.getByRole('button', { name: 'Add destination' }).click()
    await expect(page.getByRole('form', { name: 'Add destination' })).toContainText('YouTube Studio')
    await page.getByLabel('Stream key').fill(key)
    await page.getByLabel(/backup ingest/).check()
    await page.getByRole('button', { name: 'Add destination' }).click()
    await expect(page.getByTestId('destination')).toHaveCount(1)

    // Kick has no fixed ingest: its URL is required.
    await page.getByRole('button', { name: '+ Add destination' }).click()
    await page.getByLabel('Kick').check()
    await page.getByLabel('Stream key').fill('kick-e2e-key')
    await page.getByRole('button', { name: 'Add destination' }).click()
    await expect(page.getByRole('form', { name: 'Add destination' })).toContainText('Kick dashboard')
    await page.getByTestId('rtmp-url-input').fill('rtmps://fa723fc1b171.global-contribute.live-video.net/app')
    await page.getByRole('button', { name: 'Add destination' }).click()
    await expect(page.getByTestId('destination')).toHaveCount(2)
    expect(await page.content()).not.toContain(key)

    // The core holds what the presets made of it.
    const channelId = (
      await callCore<{ channels: { id: number; name: string }[] }>(
        page.request,
        studio.baseUrl,
        'library.channels.list',
        {}
      )
    ).channels.find((c) => c.name === 'Presets E2E')!.id
    const { destinations } = await callCore<{ destinations: { kind: string; target: string }[] }>(
      page.request,
      studio.baseUrl,
      'onair.destinations.list',
      { channelId }
    )
    expect(destinations.map((d) => d.kind).sort()).toEqual(['kick', 'youtube'])
    expect(destinations.find((d) => d.kind === 'youtube')!.target).toContain('b.rtmps.youtube.com')
    expect(JSON.stringify(destinations)).not.toContain(key)
  })
})
