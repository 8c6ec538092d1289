/**
 * Issue 23 item 9: at 1280×800 nothing in the On Air panel or the preview is clipped or
 * covered while live, a shortcut on a shot still conforming says why it does nothing,
 * both pages have their icon, and neither logs an error.
 */
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { callCore, createChannelInUi, makeClips, openStudio, screenshotDir } from './ui-helpers'

const VIEWPORT = { width: 1280, height: 800 }

interface Box {
  x: number
  y: number
  width: number
  height: number
}
interface ImportOut {
  results: { ok: boolean; shot?: { id: number } }[]
}

/** Console errors and uncaught exceptions of a page, as they happen. */
function collectErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`)
  })
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  return errors
}

async function box(locator: Locator): Promise<Box> {
  const b = await locator.boundingBox()
  expect(b, `${locator} has a box`).not.toBeNull()
  return b!
}

const intersects = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

function expectInside(inner: Box, outer: Box, what: string): void {
  expect(inner.x, `${what}: left edge`).toBeGreaterThanOrEqual(outer.x - 1)
  expect(inner.y, `${what}: top edge`).toBeGreaterThanOrEqual(outer.y - 1)
  expect(inner.x + inner.width, `${what}: right edge`).toBeLessThanOrEqual(outer.x + outer.width + 1)
  expect(inner.y + inner.height, `${what}: bottom edge`).toBeLessThanOrEqual(outer.y + outer.height + 1)
}

/** Elements under `root` whose content is cut off: taller or wider than the box that shows them. */
function clippedIn(root: Locator, selector: string): Promise<string[]> {
  return root.evaluate((el, sel) => {
    const out: string[] = []
    for (const e of Array.from(el.querySelectorAll<HTMLElement>(sel))) {
      if (e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
        out.push(
          `${e.tagName.toLowerCase()}.${e.className} "${(e.textContent ?? '').slice(0, 40)}" ${e.scrollWidth}×${e.scrollHeight} in ${e.clientWidth}×${e.clientHeight}`
        )
    }
    return out
  }, selector)
}

test.use({ viewport: VIEWPORT })

test('1280×800 while live: On Air panel and preview neither clipped nor covered, shortcuts explain a conforming shot, no console errors', async ({
  page,
  browser,
  studio
}) => {
  test.setTimeout(240_000)
  const studioErrors = collectErrors(page)
  // The core's reports that a shot is ready can be held back inside the page, so the
  // studio shows a shot "conforming" for as long as the test needs it to.
  await page.addInitScript(() => {
    const scope = window as unknown as { __holdReady: boolean; __held: Array<() => void> }
    scope.__holdReady = false
    scope.__held = []
    const Native = window.WebSocket
    class HoldingWebSocket extends Native {
      override set onmessage(fn: ((this: WebSocket, ev: MessageEvent) => unknown) | null) {
        super.onmessage = fn
          ? (ev: MessageEvent) => {
              if (scope.__holdReady && typeof ev.data === 'string' && ev.data.includes('"status":"ready"'))
                scope.__held.push(() => fn.call(this, ev))
              else fn.call(this, ev)
            }
          : null
      }
      override get onmessage(): ((this: WebSocket, ev: MessageEvent) => unknown) | null {
        return super.onmessage
      }
    }
    window.WebSocket = HoldingWebSocket
  })
  await openStudio(page, studio.url)
  await createChannelInUi(page, 'Layout')
  const channelId = (
    await callCore<{ channels: { id: number; name: string }[] }>(
      page.request,
      studio.baseUrl,
      'library.channels.list',
      {}
    )
  ).channels.find((c) => c.name === 'Layout')!.id

  // The count after the channel's name says what it counts.
  await expect(page.getByLabel('Channel', { exact: true })).toContainText('Layout · 0 shots')

  // A shot still conforming: P, X and A do nothing to it, and say so.
  await page.evaluate(() => ((window as unknown as { __holdReady: boolean }).__holdReady = true))
  const [long] = makeClips(['long take.mp4'], 12)
  const importing = callCore<ImportOut>(page.request, studio.baseUrl, 'library.import', {
    channelId,
    paths: [long],
    approved: false
  })
  const conforming = page.locator('[data-testid="shot-card"]:has(.badge.status-conforming)')
  await expect(conforming).toHaveCount(1, { timeout: 60_000 })
  await conforming.focus()
  await page.keyboard.press('p')
  const refusal = page.getByTestId('shortcut-refusal')
  await expect(refusal).toBeVisible()
  await expect(refusal).toContainText(/Shot \d+ is still conforming: approve it once it is ready/)
  await expect(page.getByTestId('shortcut-announcement')).toHaveText(await refusal.innerText())
  await expect(page.getByTestId('shortcut-announcement')).toHaveAttribute('aria-live', 'polite')
  await page.screenshot({ path: join(screenshotDir, 'layout-shortcut-refusal.png') })
  await page.evaluate(() => {
    const scope = window as unknown as { __holdReady: boolean; __held: Array<() => void> }
    scope.__holdReady = false
    for (const send of scope.__held.splice(0)) send()
  })
  const imported = await importing
  expect(
    imported.results.every((r) => r.ok),
    JSON.stringify(imported)
  ).toBe(true)
  const longId = imported.results[0]!.shot!.id
  await expect(page.locator('[data-testid="shot-card"] .badge.status-conforming')).toHaveCount(0, {
    timeout: 60_000
  })

  const more = await callCore<ImportOut>(page.request, studio.baseUrl, 'library.import', {
    channelId,
    paths: makeClips(['a.mp4', 'b.mp4'], 3)
  })
  const ids = [longId, ...more.results.map((r) => r.shot!.id)]
  await callCore(page.request, studio.baseUrl, 'library.playlist.add', { channelId, shotIds: ids })
  await expect(page.getByTestId('timeline-item')).toHaveCount(3)
  await expect(page.getByLabel('Channel', { exact: true })).toContainText('Layout · 3 shots')

  // The preview of a ready shot.
  await page.locator(`[data-testid="shot-card"][data-shot-id="${longId}"]`).click()
  const preview = page.locator('section.preview')
  await expect(preview.getByTestId('shot-loudness')).toContainText('LUFS')
  const video = preview.getByTestId('preview-video')
  await expect.poll(() => video.evaluate((v) => (v as HTMLVideoElement).readyState)).toBeGreaterThanOrEqual(2)

  // Go live, and let the monitor play.
  await page.getByRole('button', { name: 'Go Live' }).click()
  await expect(page.getByTestId('air-state')).toHaveAttribute('data-state', 'live', { timeout: 60_000 })
  const monitor = page.getByTestId('monitor-video')
  await expect
    .poll(() => monitor.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 45_000 })
    .toBeGreaterThan(1)
  await expect(page.getByTestId('air-now')).not.toHaveText('—', { timeout: 20_000 })
  const buffer = page.getByTestId('monitor-buffer')
  await expect(buffer).toContainText(/buffer \d+\.\d s/)
  await page.waitForTimeout(1500)
  await page.screenshot({ path: join(screenshotDir, 'layout-live-1280x800.png') })

  // On Air panel: every block shows all of itself, and all of it lies inside the panel.
  const side = page.locator('section.panel.side')
  const sideBox = await box(side)
  const golive = side.locator('.golive-panel')
  expect(await clippedIn(golive, '.golive-top > *, .golive-rest > *, .golive-rest')).toEqual([])
  for (const block of await golive.locator('.golive-top > *, .golive-rest > *').all())
    expectInside(await box(block), sideBox, `On Air block ${await block.evaluate((e) => e.className)}`)
  // The buffer badge is beside the picture, never over it (logo, clock, lower third, captions).
  expect(intersects(await box(buffer), await box(monitor))).toBe(false)

  // Preview: the picture fits its box, its controls are under it, the details are not cut off.
  const previewBox = await box(preview)
  const videoBox = await box(video)
  expectInside(videoBox, await box(preview.locator('.preview-video')), 'preview video')
  expect(await video.evaluate((v) => (v as HTMLVideoElement).controls)).toBe(false)
  const controls = await box(preview.getByTestId('preview-controls'))
  expect(controls.y).toBeGreaterThanOrEqual(videoBox.y + videoBox.height - 1)
  expectInside(controls, previewBox, 'preview controls')
  // …and they work: pause, play, unmute, mute.
  const videoState = () =>
    video.evaluate((v) => ({ paused: (v as HTMLVideoElement).paused, muted: (v as HTMLVideoElement).muted }))
  await preview.getByRole('button', { name: 'Pause the preview' }).click()
  await expect.poll(videoState).toEqual({ paused: true, muted: true })
  await preview.getByRole('button', { name: 'Play the preview' }).click()
  await preview.getByRole('button', { name: 'Unmute', exact: true }).click()
  await expect.poll(videoState).toEqual({ paused: false, muted: false })
  await preview.getByRole('button', { name: 'Mute', exact: true }).click()
  await expect.poll(videoState).toEqual({ paused: false, muted: true })
  expect(await clippedIn(preview, '.meta dd')).toEqual([])
  expectInside(await box(preview.getByTestId('shot-loudness')), previewBox, 'loudness row')
  expectInside(await box(preview.locator('.preview-actions').first()), previewBox, 'preview actions')
  // The details scroll: their last line can be brought wholly into the panel.
  const body = preview.locator('.preview-body')
  await body.evaluate((el) => el.scrollTo({ top: el.scrollHeight }))
  expectInside(await box(body.locator(':scope > *').last()), await box(body), 'last line of the preview details')

  // The studio links its icon; the server sends it to anyone, without the token.
  expect(await page.locator('link[rel="icon"]').evaluate((l) => (l as HTMLLinkElement).href)).toBe(
    `${studio.baseUrl}/favicon.svg`
  )
  const icon = await fetch(`${studio.baseUrl}/favicon.svg`)
  expect(icon.status).toBe(200)
  expect(icon.headers.get('content-type')).toBe('image/svg+xml')

  // The watch page, as a viewer on another browser sees it.
  const viewerContext = await browser.newContext({ viewport: VIEWPORT })
  try {
    const viewer = await viewerContext.newPage()
    const watchErrors = collectErrors(viewer)
    await viewer.goto(`${studio.baseUrl}/watch`)
    const watchVideo = viewer.getByTestId('watch-video')
    await expect
      .poll(() => watchVideo.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 45_000 })
      .toBeGreaterThan(1)
    expect(await viewer.locator('link[rel="icon"]').evaluate((l) => (l as HTMLLinkElement).href)).toBe(
      `${studio.baseUrl}/favicon.svg`
    )
    await viewer.waitForTimeout(1000)
    await viewer.screenshot({ path: join(screenshotDir, 'layout-watch-1280x800.png') })
    expect(watchErrors).toEqual([])
  } finally {
    await viewerContext.close()
  }

  await page.getByRole('button', { name: 'End Stream' }).click()
  await expect(page.getByTestId('air-state')).toHaveAttribute('data-state', 'offline', { timeout: 30_000 })
  expect(studioErrors).toEqual([])
})
