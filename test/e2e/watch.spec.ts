import { join } from 'node:path'
import { test, expect } from './fixtures'
import { callCore, makeClips, openStudio, screenshotDir } from './ui-helpers'

interface ImportOut {
  results: { ok: boolean; shot?: { id: number }; error?: string }[]
}

test.describe('watch page', () => {
  test('needs no token, plays the channel, can change nothing, and recovers when the stream restarts', async ({
    page,
    studio,
    browser
  }) => {
    test.setTimeout(240_000)
    // Set up a channel on air through the contract (the studio page's cookie authorises the calls).
    await openStudio(page, studio.url)
    const ch = await callCore<{ id: number }>(page.request, studio.baseUrl, 'library.channels.create', {
      name: 'Watch Me'
    })
    const imported = await callCore<ImportOut>(page.request, studio.baseUrl, 'library.import', {
      channelId: ch.id,
      paths: makeClips(['w1.mp4', 'w2.mp4'], 3)
    })
    expect(
      imported.results.every((r) => r.ok),
      JSON.stringify(imported)
    ).toBe(true)
    await callCore(page.request, studio.baseUrl, 'library.playlist.add', {
      channelId: ch.id,
      shotIds: imported.results.map((r) => r.shot!.id)
    })
    await callCore(page.request, studio.baseUrl, 'onair.start', { channelId: ch.id })

    // A viewer: a fresh browser context, no token, no cookie.
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 720 } })
    try {
      const viewer = await viewerContext.newPage()
      await viewer.goto(`${studio.baseUrl}/watch`)
      await expect(viewer.getByRole('link', { name: /Watch Me/ })).toBeVisible()
      const video = viewer.getByTestId('watch-video')
      await expect
        .poll(() => video.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 45_000 })
        .toBeGreaterThan(1)
      await expect(viewer.getByTestId('watch-viewers')).toContainText('watching')
      await viewer.waitForTimeout(1500)
      await viewer.screenshot({ path: join(screenshotDir, 'watch.png') })

      // Read-only: the viewer's browser cannot call the studio.
      const refused = await viewer.request.post(`${studio.baseUrl}/api/call/onair.stop`, { data: { channelId: ch.id } })
      expect(refused.status()).toBe(401)

      // Seconds of video the page showed during one second of wall time (0 when nothing plays).
      const advancing = () =>
        viewer.evaluate(async () => {
          const v = document.querySelector<HTMLVideoElement>('[data-testid="watch-video"]')
          if (!v) return 0
          const t0 = v.currentTime
          await new Promise((r) => setTimeout(r, 1000))
          const again = document.querySelector<HTMLVideoElement>('[data-testid="watch-video"]')
          return again === v ? v.currentTime - t0 : 0
        })
      // It plays (a busy machine may stall one second of it: ask until it advances).
      await expect.poll(advancing, { timeout: 30_000 }).toBeGreaterThan(0.5)

      // The stream stops and starts again: nobody touches the viewer's page, which picks it up by itself.
      await callCore(page.request, studio.baseUrl, 'onair.stop', { channelId: ch.id })
      await expect.poll(advancing, { timeout: 30_000 }).toBe(0)
      await callCore(page.request, studio.baseUrl, 'onair.start', { channelId: ch.id })
      await expect.poll(advancing, { timeout: 60_000 }).toBeGreaterThan(0.5)
      await expect(viewer.getByTestId('watch-video')).toHaveAttribute('data-phase', 'playing')
      // The stream came through the live relay process (live-handoff.ts), not the main loop's fallback.
      expect(studio.output()).not.toContain('live relay')
    } finally {
      await viewerContext.close()
      await callCore(page.request, studio.baseUrl, 'onair.stop', { channelId: ch.id }).catch(() => undefined)
    }
  })
})
