import { test, expect } from './fixtures'
import { callCore, keyboardMove, makeClips, openStudio, timelineShotIds } from './ui-helpers'

interface Playlist {
  items: { itemId: number; shotId: number }[]
}

test.describe('undo and redo', () => {
  test('keyboard and buttons undo and redo named steps, a reload keeps them, and an edit from the CLI makes the undo refused', async ({
    page,
    studio
  }) => {
    test.setTimeout(180_000)
    // Seeded with the real CLI: its edits are not steps of the studio's history.
    const clips = makeClips(['one.mp4', 'two.mp4', 'three.mp4'], 1)
    const created = await studio.runCli(['channel', 'create', 'Undo Channel', '--size', '256x144'])
    expect(created.code, created.stderr).toBe(0)
    const imported = await studio.runCli(['import', '--channel', 'Undo Channel', ...clips])
    expect(imported.code, imported.stderr).toBe(0)

    await openStudio(page, studio.url)
    const cards = page.getByTestId('shot-card')
    await expect(cards).toHaveCount(3)
    const undoButton = page.getByTestId('undo-button')
    const redoButton = page.getByTestId('redo-button')
    await expect(undoButton).toHaveAccessibleName('Nothing to undo')
    await expect(undoButton).toBeDisabled()

    const [a, b, c] = (await cards.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.shotId))))
      .slice()
      .sort((x, y) => x - y) as [number, number, number]
    for (const id of [a, b, c]) {
      await page.locator(`[data-testid="shot-card"][data-shot-id="${id}"]`).hover()
      await page.getByRole('button', { name: `Add shot ${id} to timeline` }).click()
      await expect(page.locator(`[data-testid="timeline-item"][data-shot-id="${id}"]`)).toHaveCount(1)
    }
    await expect(undoButton).toHaveAccessibleName(`Undo adding Shot ${c} to the timeline`)
    await expect(undoButton).toHaveAttribute('title', `Undo adding Shot ${c} to the timeline (Ctrl+Z)`)

    const channelId = (
      await callCore<{ channels: { id: number; name: string }[] }>(
        page.request,
        studio.baseUrl,
        'library.channels.list',
        {}
      )
    ).channels.find((ch) => ch.name === 'Undo Channel')!.id
    const persisted = async (): Promise<number[]> =>
      (await callCore<Playlist>(page.request, studio.baseUrl, 'library.playlist.get', { channelId })).items.map(
        (i) => i.shotId
      )
    const approved = async (id: number): Promise<boolean> =>
      (await callCore<{ approved: boolean }>(page.request, studio.baseUrl, 'library.shots.get', { id })).approved

    // Move the last shot to the front with the keyboard.
    await keyboardMove(page, page.getByTestId('timeline-item').nth(2), 2, -2)
    await expect.poll(persisted).toEqual([c, a, b])
    await expect(undoButton).toHaveAccessibleName(`Undo move of Shot ${c}`)

    // Reject shot a in the preview.
    await page.locator(`[data-testid="timeline-item"][data-shot-id="${a}"]`).click()
    await expect(page.getByRole('region', { name: 'Preview' })).toContainText(`Shot ${a}`)
    await page.getByRole('button', { name: '✕ Reject' }).click()
    await expect.poll(() => approved(a)).toBe(false)
    await expect(undoButton).toHaveAccessibleName(`Undo rejection of Shot ${a}`)

    // Ctrl+Z twice: the rejection, then the move.
    await page.keyboard.press('Control+z')
    await expect.poll(() => approved(a)).toBe(true)
    await expect(page.getByRole('button', { name: '✓ Approve' })).toBeDisabled()
    await expect(page.getByRole('status').filter({ hasText: `Undid rejection of Shot ${a}.` })).toBeVisible()
    await page.keyboard.press('Control+z')
    await expect.poll(persisted).toEqual([a, b, c])
    await expect.poll(() => timelineShotIds(page)).toEqual([a, b, c])
    await expect(undoButton).toHaveAccessibleName(`Undo adding Shot ${c} to the timeline`)
    await expect(redoButton).toHaveAccessibleName(`Redo move of Shot ${c}`)

    // While typing in a field, Ctrl+Z is the field's own: the studio's history does not move.
    const search = page.getByLabel('Search prompts')
    await search.fill('')
    await search.pressSequentially('abc')
    await search.press('Control+z')
    await page.waitForTimeout(500)
    expect(await persisted()).toEqual([a, b, c])
    await expect(undoButton).toHaveAccessibleName(`Undo adding Shot ${c} to the timeline`)
    await search.fill('')
    await search.blur()

    // Shift+Ctrl+Z redoes the move, Ctrl+Y the rejection.
    await page.keyboard.press('Control+Shift+Z')
    await expect.poll(persisted).toEqual([c, a, b])
    await expect(redoButton).toHaveAccessibleName(`Redo rejection of Shot ${a}`)
    await page.keyboard.press('Control+y')
    await expect.poll(() => approved(a)).toBe(false)
    await expect(redoButton).toHaveAccessibleName('Nothing to redo')
    await expect(redoButton).toBeDisabled()

    // The buttons do the same.
    await page.getByRole('button', { name: `Undo rejection of Shot ${a}` }).click()
    await expect.poll(() => approved(a)).toBe(true)
    await page.getByRole('button', { name: `Redo rejection of Shot ${a}` }).click()
    await expect.poll(() => approved(a)).toBe(false)
    await page.getByRole('button', { name: `Undo rejection of Shot ${a}` }).click()
    await expect.poll(() => approved(a)).toBe(true)

    // Another tab shows the same steps and takes them too; the first tab follows.
    const other = await page.context().newPage()
    await openStudio(other, studio.url)
    await expect(other.getByTestId('undo-button')).toHaveAccessibleName(`Undo move of Shot ${c}`)
    await other.getByTestId('undo-button').click()
    await expect.poll(persisted).toEqual([a, b, c])
    await expect(undoButton).toHaveAccessibleName(`Undo adding Shot ${c} to the timeline`)
    await expect.poll(() => timelineShotIds(page)).toEqual([a, b, c])
    await page.keyboard.press('Control+Shift+Z')
    await expect.poll(persisted).toEqual([c, a, b])
    await expect(other.getByTestId('undo-button')).toHaveAccessibleName(`Undo move of Shot ${c}`)
    await other.close()

    // A reload keeps the history: main owns it.
    await page.reload()
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected')
    await expect(undoButton).toHaveAccessibleName(`Undo move of Shot ${c}`)
    await expect(redoButton).toHaveAccessibleName(`Redo rejection of Shot ${a}`)

    // The CLI, another process, moves the same shot back to the end (positions count from 1)…
    const items = (await callCore<Playlist>(page.request, studio.baseUrl, 'library.playlist.get', { channelId })).items
    const itemOfC = items.find((i) => i.shotId === c)!.itemId
    const moved = await studio.runCli(['playlist', 'move', '--channel', 'Undo Channel', String(itemOfC), '3'])
    expect(moved.code, moved.stderr).toBe(0)
    await expect.poll(() => timelineShotIds(page)).toEqual([a, b, c])
    // …and that edit is a step of the same history: the studio's Undo takes it back.
    await expect(undoButton).toHaveAccessibleName(`Undo move of Shot ${c}`)
    await undoButton.click()
    await expect.poll(persisted).toEqual([c, a, b])
    await expect.poll(() => timelineShotIds(page)).toEqual([c, a, b])
  })
})
