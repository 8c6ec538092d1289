import { test, expect } from './fixtures'
import { callCore, makeClips, openStudio } from './ui-helpers'

interface Playlist {
  items: Array<{ itemId: number; shotId: number; position: number }>
}

test('keyboard reorder reaches past the part of a long timeline that is on screen', async ({ page, studio }) => {
  test.setTimeout(150_000)
  expect((await studio.runCli(['channel', 'create', 'Long'])).code).toBe(0)
  const [a, b] = makeClips(['a.mp4', 'b.mp4'], 1)
  const imported = await studio.runCli(['import', '--channel', 'Long', '--json', a!, b!])
  expect(imported.code, imported.stderr).toBe(0)
  const [shotA, shotB] = imported.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { shotId: number }).shotId)
  // 60 items: one B at position 2 among A's, far more than the strip renders at once.
  const ids = Array.from({ length: 60 }, (_, i) => String(i === 2 ? shotB : shotA))
  expect((await studio.runCli(['playlist', 'add', '--channel', 'Long', ...ids])).code).toBe(0)

  await openStudio(page, studio.url)
  const channelId = (
    await callCore<{ channels: Array<{ id: number; name: string }> }>(
      page.request,
      studio.baseUrl,
      'library.channels.list',
      {}
    )
  ).channels.find((c) => c.name === 'Long')!.id
  const positionOfB = async () =>
    (await callCore<Playlist>(page.request, studio.baseUrl, 'library.playlist.get', { channelId })).items.findIndex(
      (i) => i.shotId === shotB
    )
  expect(await positionOfB()).toBe(2)
  const rendered = await page.getByTestId('timeline-item').count()
  expect(rendered).toBeLessThan(42) // virtualized: position 42 is not on screen at the start

  await page.locator(`[data-testid="timeline-item"][data-shot-id="${shotB}"]`).focus()
  await page.keyboard.press('Space')
  await page.waitForTimeout(150)
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('ArrowRight')
    await page.waitForTimeout(60)
  }
  await page.keyboard.press('Space')
  await expect.poll(positionOfB, { timeout: 15_000 }).toBe(42)
})
