import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { test, expect } from './fixtures'
import {
  callCore,
  createChannelInUi,
  importWithFileChooser,
  keyboardMove,
  makeClips,
  openStudio,
  screenshotDir,
  timelineShotIds
} from './ui-helpers'

interface Playlist {
  channelId: number
  items: { itemId: number; shotId: number; position: number }[]
}

test.describe('studio: library and timeline', () => {
  test('import with the file chooser, add to the timeline, reorder by mouse and keyboard, persisted', async ({
    page,
    studio
  }) => {
    test.setTimeout(180_000)
    // Names with spaces, an apostrophe and non-ASCII letters must survive the upload and import.
    const clips = makeClips(['sunrise over hills.mp4', "Zoë's ocean waves.mp4", 'forêt.mp4'])
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'E2E Channel')

    await importWithFileChooser(page, clips)
    const cards = page.getByTestId('shot-card')
    await expect(cards).toHaveCount(3, { timeout: 90_000 })
    await expect(page.getByTestId('import-entry').filter({ has: page.locator('[data-phase="failed"]') })).toHaveCount(0)
    await expect(page.locator('[data-testid="import-entry"][data-phase="done"]')).toHaveCount(3, { timeout: 90_000 })
    await expect(page.getByTestId('library-total')).toHaveText('3 shots')
    for (const name of ['sunrise over hills.mp4', "Zoë's ocean waves.mp4", 'forêt.mp4']) {
      await expect(cards.filter({ hasText: name })).toHaveCount(1)
    }
    // Posters came from the server's media route.
    await expect
      .poll(() =>
        page
          .locator('[data-testid="shot-card"] img.poster')
          .evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length)
      )
      .toBe(3)
    await page.screenshot({ path: join(screenshotDir, 'library.png') })

    // Add every shot, in the order the library shows them, with the card's + button.
    const libraryOrder = await cards.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.shotId)))
    for (const id of libraryOrder) {
      await page.locator(`[data-testid="shot-card"][data-shot-id="${id}"]`).hover()
      await page.getByRole('button', { name: `Add shot ${id} to timeline` }).click()
      await expect(page.locator(`[data-testid="timeline-item"][data-shot-id="${id}"]`)).toHaveCount(1)
    }
    expect(await timelineShotIds(page)).toEqual(libraryOrder)
    const [a, b, c] = libraryOrder as [number, number, number]

    // Mouse: drag the first poster onto the third.
    const first = page.getByTestId('timeline-item').nth(0)
    const third = page.getByTestId('timeline-item').nth(2)
    const from = (await first.boundingBox())!
    const to = (await third.boundingBox())!
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2)
    await page.mouse.down()
    await page.mouse.move(from.x + from.width / 2 + 12, from.y + from.height / 2, { steps: 4 })
    await page.mouse.move(to.x + to.width / 2 + 10, to.y + to.height / 2, { steps: 20 })
    await page.mouse.up()
    await expect.poll(() => timelineShotIds(page)).toEqual([b, c, a])

    const channelId = (
      await callCore<{ channels: { id: number; name: string }[] }>(
        page.request,
        studio.baseUrl,
        'library.channels.list',
        {}
      )
    ).channels.find((ch) => ch.name === 'E2E Channel')!.id
    const persisted = async () =>
      (await callCore<Playlist>(page.request, studio.baseUrl, 'library.playlist.get', { channelId })).items.map(
        (i) => i.shotId
      )
    await expect.poll(persisted).toEqual([b, c, a])

    // Keyboard: focus the last poster, pick it up with Space, move it left twice, drop with Space.
    await keyboardMove(page, page.getByTestId('timeline-item').nth(2), 2, -2)
    await expect.poll(() => timelineShotIds(page)).toEqual([a, b, c])
    await expect.poll(persisted).toEqual([a, b, c])

    // The CLI on the same data dir sees the same order.
    const cli = await studio.runCli(['playlist', '--channel', 'E2E Channel', '--json'])
    expect(cli.code, cli.stderr).toBe(0)
    const cliOrder = parsePlaylistJson(cli.stdout)
    expect(cliOrder).toEqual([a, b, c])

    // Preview: clicking a poster plays the shot's MP4.
    await page.getByTestId('timeline-item').nth(1).click()
    const video = page.getByTestId('preview-video')
    await expect(video).toBeVisible()
    await expect
      .poll(() => video.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 20_000 })
      .toBeGreaterThan(0.3)
    await expect(page.getByRole('region', { name: 'Preview' })).toContainText(`Shot ${b}`)
    await page.screenshot({ path: join(screenshotDir, 'studio-preview.png') })

    // Multi-select and remove: ctrl-click two posters, Remove, persisted.
    await page.getByTestId('timeline-item').nth(0).click()
    await page
      .getByTestId('timeline-item')
      .nth(2)
      .click({ modifiers: ['Control'] })
    await page.getByRole('button', { name: 'Remove 2' }).click()
    await expect.poll(() => timelineShotIds(page)).toEqual([b])
    await expect.poll(persisted).toEqual([b])
  })

  test('dropping files on the library imports them; a file that is not a video is refused with the reason', async ({
    page,
    studio
  }) => {
    const [clip] = makeClips(['dropped clip.mp4'])
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Drop')
    const files = [
      { name: basename(clip!), type: 'video/mp4', b64: readFileSync(clip!).toString('base64') },
      { name: 'notes.txt', type: 'text/plain', b64: Buffer.from('not a video at all').toString('base64') }
    ]
    // A real drop event carrying File objects, as the browser makes when files are dragged in from the desktop.
    await page.getByRole('region', { name: 'Library' }).evaluate((el, list) => {
      const dt = new DataTransfer()
      for (const f of list)
        dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }))
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }))
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }))
    }, files)
    await expect(page.locator('[data-testid="import-entry"][data-phase="done"]')).toHaveCount(1, { timeout: 90_000 })
    const failed = page.locator('[data-testid="import-entry"][data-phase="failed"]')
    await expect(failed).toHaveCount(1)
    await expect(failed).toContainText('notes.txt')
    await expect(failed.locator('.error-text')).toHaveText(/.{10,}/)
    await expect(page.getByTestId('shot-card')).toHaveCount(1)
    await expect(page.getByTestId('shot-card')).toContainText('dropped clip.mp4')
  })

  test('a refused edit is rolled back with a message and the view follows the core', async ({ page, studio }) => {
    test.setTimeout(120_000)
    // A proxy on the page's WebSocket that can hold back the core's events, as when an
    // event is late: the UI then edits a stale timeline and the core refuses the edit.
    let holdEvents = false
    await page.routeWebSocket(/\/api\/ws$/, (ws) => {
      const server = ws.connectToServer()
      server.onMessage((msg) => {
        if (holdEvents && String(msg).includes('"t":"event"')) return
        ws.send(msg)
      })
    })
    const clips = makeClips(['one.mp4', 'two.mp4', 'three.mp4'])
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Rollback')
    await importWithFileChooser(page, clips)
    await expect(page.locator('[data-testid="import-entry"][data-phase="done"]')).toHaveCount(3, { timeout: 90_000 })
    const ids = await page
      .getByTestId('shot-card')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.shotId)))
    for (const id of ids) {
      await page.locator(`[data-testid="shot-card"][data-shot-id="${id}"]`).hover()
      await page.getByRole('button', { name: `Add shot ${id} to timeline` }).click()
      await expect(page.locator(`[data-testid="timeline-item"][data-shot-id="${id}"]`)).toHaveCount(1)
    }
    const channelId = (
      await callCore<{ channels: { id: number }[] }>(page.request, studio.baseUrl, 'library.channels.list', {})
    ).channels[0]!.id
    const pl = await callCore<Playlist>(page.request, studio.baseUrl, 'library.playlist.get', { channelId })

    holdEvents = true
    // Someone else (another process on the same data dir) removes the first item.
    await callCore(page.request, studio.baseUrl, 'library.playlist.remove', { itemIds: [pl.items[0]!.itemId] })
    await page.waitForTimeout(300)
    await expect(page.getByTestId('timeline-item')).toHaveCount(3)

    // The UI, not yet told, moves that item: the core refuses, the UI says so and shows the truth.
    await keyboardMove(page, page.getByTestId('timeline-item').nth(0), 0, 1)
    await expect(page.getByRole('alert').filter({ hasText: 'The timeline shows what the core kept' })).toBeVisible()
    await expect.poll(() => timelineShotIds(page)).toEqual(pl.items.slice(1).map((i) => i.shotId))
    await page.screenshot({ path: join(screenshotDir, 'timeline-refused-edit.png') })
    holdEvents = false
  })
})

function parsePlaylistJson(stdout: string): number[] {
  const text = stdout.trim()
  const parsed = JSON.parse(text) as unknown
  const items = Array.isArray(parsed) ? parsed : ((parsed as { items?: unknown[] }).items ?? [])
  return (items as { shotId?: number; shot_id?: number; id?: number }[]).map(
    (i) => i.shotId ?? i.shot_id ?? i.id ?? NaN
  )
}
