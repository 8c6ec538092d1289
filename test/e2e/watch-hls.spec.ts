import { test, expect } from './fixtures'
import { callCore, makeClips, openStudio } from './ui-helpers'

interface ImportOut {
  results: { ok: boolean; shot?: { id: number }; error?: string }[]
}

test.describe('watch page over HLS', () => {
  test('plays the channel through HLS when asked (the path browsers without MSE take)', async ({
    page,
    studio,
    browser
  }) => {
    test.setTimeout(180_000)
    await openStudio(page, studio.url)
    const ch = await callCore<{ id: number }>(page.request, studio.baseUrl, 'library.channels.create', {
      name: 'Phones'
    })
    const imported = await callCore<ImportOut>(page.request, studio.baseUrl, 'library.import', {
      channelId: ch.id,
      paths: makeClips(['h1.mp4', 'h2.mp4'], 3)
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

    // The studio's Outputs tab: HLS on, the guide with the clip on air, the as-run log filling in.
    await page.getByRole('tab', { name: 'Outputs' }).click()
    const panel = page.getByTestId('outputs-panel')
    await expect(panel.getByRole('checkbox', { name: /HLS for phones/ })).toBeChecked()
    await expect(panel.getByTestId('guide')).toContainText('NOW', { timeout: 30_000 })
    await expect(panel.getByTestId('asrun').locator('tbody tr').first()).toBeVisible({ timeout: 30_000 })

    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 720 } })
    try {
      const viewer = await viewerContext.newPage()
      const hlsRequests: string[] = []
      viewer.on('request', (r) => {
        if (/\/hls\//.test(r.url())) hlsRequests.push(r.url())
      })
      await viewer.goto(`${studio.baseUrl}/watch?player=hls`)
      const video = viewer.getByTestId('watch-video')
      await expect(video).toHaveAttribute('data-player', /^hls/, { timeout: 30_000 })
      await expect
        .poll(() => video.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 60_000 })
        .toBeGreaterThan(2)
      await expect(video).toHaveAttribute('data-phase', 'playing')
      // It really is HLS: the playlist was polled and segments fetched, and no FLV was opened.
      expect(hlsRequests.some((u) => u.endsWith('/index.m3u8'))).toBe(true)
      expect(hlsRequests.some((u) => /seg-\d+\.ts$/.test(u))).toBe(true)
      const size = await video.evaluate((v) => [
        (v as HTMLVideoElement).videoWidth,
        (v as HTMLVideoElement).videoHeight
      ])
      expect(size[0]).toBeGreaterThan(0)
      // By default this Chromium (with MSE) gets HTTP-FLV, the lower-latency stream.
      await viewer.goto(`${studio.baseUrl}/watch`)
      await expect(viewer.getByTestId('watch-video')).toHaveAttribute('data-player', 'flv', { timeout: 30_000 })
    } finally {
      await viewerContext.close()
      await callCore(page.request, studio.baseUrl, 'onair.stop', { channelId: ch.id }).catch(() => undefined)
    }
  })
})
