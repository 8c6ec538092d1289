import { test, expect } from './fixtures'
import { callCore, makeClips, openStudio } from './ui-helpers'

/**
 * The page's link to the core drops (laptop sleep, server busy) while things change
 * elsewhere. It must not keep showing what it knew — above all not LIVE — and must
 * catch up once it reconnects.
 */
test('after the WebSocket drops and comes back, the page shows the engine’s truth again', async ({ page, studio }) => {
  test.setTimeout(150_000)
  // Let the test cut the page's sockets and keep new ones from opening for a while.
  await page.addInitScript(() => {
    const w = window as unknown as { __sockets: WebSocket[]; __block: boolean }
    const Orig = window.WebSocket
    w.__sockets = []
    w.__block = false
    const Wrapped = function (this: unknown, url: string | URL, protocols?: string | string[]) {
      if (w.__block) throw new Error('blocked by the test')
      const s = new Orig(url, protocols)
      w.__sockets.push(s)
      return s
    } as unknown as typeof WebSocket
    Object.assign(Wrapped, { prototype: Orig.prototype, CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })
    window.WebSocket = Wrapped
  })
  const cut = () =>
    page.evaluate(() => {
      const w = window as unknown as { __sockets: WebSocket[]; __block: boolean }
      w.__block = true
      w.__sockets.forEach((s) => s.close())
    })
  const restore = () =>
    page.evaluate(() => {
      ;(window as unknown as { __block: boolean }).__block = false
    })

  expect((await studio.runCli(['channel', 'create', 'Reconnect'])).code).toBe(0)
  const [one, two] = makeClips(['one.mp4', 'two.mp4'])
  const imported = await studio.runCli(['import', '--channel', 'Reconnect', '--json', one!, two!])
  expect(imported.code, imported.stderr).toBe(0)
  const shotIds = imported.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { shotId: number }).shotId)
  expect((await studio.runCli(['playlist', 'add', '--channel', 'Reconnect', String(shotIds[0])])).code).toBe(0)

  await openStudio(page, studio.url)
  const items = page.getByTestId('timeline-item')
  await expect(items).toHaveCount(1)
  const channelId = (
    await callCore<{ channels: Array<{ id: number; name: string }> }>(
      page.request,
      studio.baseUrl,
      'library.channels.list',
      {}
    )
  ).channels.find((c) => c.name === 'Reconnect')!.id

  // Go live from the page and wait for the engine to say so.
  await page.getByRole('button', { name: 'Go Live' }).click()
  await expect(page.getByTestId('onair-badge')).toHaveAttribute('data-state', 'live', { timeout: 60_000 })

  // The link drops; meanwhile another client ends the stream and edits the timeline.
  await cut()
  await expect(page.getByTestId('connection-status')).not.toHaveAttribute('data-state', 'connected')
  // Nothing known is shown as live while the link is down.
  await expect(page.getByTestId('onair-badge')).toHaveCount(0)
  await callCore(page.request, studio.baseUrl, 'onair.stop', { channelId })
  expect((await studio.runCli(['playlist', 'add', '--channel', 'Reconnect', String(shotIds[1])])).code).toBe(0)

  // Back: the page reloads what it shows.
  await restore()
  await page.getByRole('button', { name: /Reconnect now/ }).click()
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 })
  await expect(page.getByTestId('onair-badge')).toHaveAttribute('data-state', 'offline')
  await expect(items).toHaveCount(2)
})
