import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Page } from '@playwright/test'
import { test, expect, repoRoot, type Studio } from './fixtures'
import { callCore, openStudio, screenshotDir } from './ui-helpers'

/** What the library file holds, read straight from SQLite (not through the studio). */
function stored(dataDir: string): { channels: string[]; settings: Array<{ key: string; value: string }> } {
  const db = new Database(join(dataDir, 'library.db'), { readonly: true, fileMustExist: true })
  try {
    const channels = (db.prepare('SELECT name FROM channels ORDER BY id').all() as Array<{ name: string }>).map(
      (r) => r.name
    )
    const settings = db.prepare('SELECT key, value FROM settings ORDER BY key').all() as Array<{
      key: string
      value: string
    }>
    return { channels, settings }
  } finally {
    db.close()
  }
}

/** The channels as the real `webtv` CLI lists them on the studio's data folder. */
async function cliChannels(studio: Studio): Promise<string[]> {
  const r = await studio.runCli(['channel', 'list', '--json'])
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout) as { channels: Array<{ name: string }> }).channels.map((c) => c.name)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

const wizard = (page: Page) => page.getByTestId('first-run')
/** Every step, for people to look at, in the ignored test-results/ (the README shows one: see below). */
const stepsDir = join(repoRoot, 'test-results', 'screenshots')
const shot = (page: Page, name: string) => page.screenshot({ path: join(stepsDir, `${name}.png`) })

test.describe('first run', () => {
  test('from an empty data folder to a playing watch page, on the offline generator', async ({ page, studio }) => {
    test.setTimeout(300_000)
    await openStudio(page, studio.url)
    await expect(wizard(page)).toHaveAttribute('data-step', 'channel')
    await page.getByLabel('Channel name').fill('Forest TV')
    await page.getByLabel('Theme', { exact: true }).fill('slow camera moves over misty forests at dawn')
    await shot(page, 'first-run-1-channel')
    await page.getByRole('button', { name: 'Next' }).click()

    // The offline generator is what a newcomer starts on, said in words; the upgrades are offered beside it.
    await expect(wizard(page)).toHaveAttribute('data-step', 'backends')
    await expect(page.getByRole('radio', { name: /Offline generator/ })).toBeChecked()
    await expect(wizard(page)).toContainText('No account, GPU or network')
    await expect(page.getByRole('radio', { name: /Hugging Face/ })).not.toBeChecked()
    await expect(page.getByRole('radio', { name: /ComfyUI server/ })).not.toBeChecked()
    await expect(page.getByRole('radio', { name: /Built-in writer/ })).toBeChecked()
    await shot(page, 'first-run-2-backends')
    await page.screenshot({ path: join(screenshotDir, 'first-run.png') })
    await page.getByRole('button', { name: 'Next' }).click()

    await expect(wizard(page)).toHaveAttribute('data-step', 'confirm')
    await expect(page.getByTestId('first-run-summary-name')).toHaveText('Forest TV')
    await shot(page, 'first-run-3-confirm')
    // Three steps in, still nothing stored.
    expect(await cliChannels(studio)).toEqual([])
    await page.getByRole('button', { name: 'Create channel' }).click()

    await expect(wizard(page)).toHaveAttribute('data-step', 'generate')
    expect(await cliChannels(studio)).toEqual(['Forest TV'])
    await page.getByLabel('Shots').fill('2')
    await page.getByRole('button', { name: 'Generate' }).click()
    // Progress per job and per step, as the engine reports it (two shots and the sequence's music).
    const jobs = page.getByTestId('job')
    await expect(jobs).toHaveCount(3)
    await expect(page.getByRole('progressbar').first()).toBeVisible()
    await shot(page, 'first-run-4-generate')
    const toPreview = page.getByRole('button', { name: 'Preview the shots' })
    await expect(toPreview).toBeEnabled({ timeout: 180_000 })
    await expect(page.locator('[data-testid="job"][data-state="ready"]')).toHaveCount(3)
    await toPreview.click()

    await expect(wizard(page)).toHaveAttribute('data-step', 'preview')
    const preview = page.getByTestId('first-run-preview')
    await expect
      .poll(() => preview.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 30_000 })
      .toBeGreaterThan(0.3)
    await expect(page.getByRole('list', { name: 'New shots' }).getByRole('listitem')).toHaveCount(2)
    await shot(page, 'first-run-5-preview')
    await page.getByRole('button', { name: 'Next' }).click()

    await expect(wizard(page)).toHaveAttribute('data-step', 'golive')
    // A port another program holds: the engine refuses, and the step says so instead of claiming anything.
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()))
    const heldPort = (squatter.address() as { port: number }).port
    // (Ports are settings, so only after Create.)
    await callCore(page.request, studio.baseUrl, 'onair.settings.update', {
      rtmpPort: heldPort,
      httpPort: await freePort()
    })
    try {
      const firstTab = page.context().waitForEvent('page')
      await page.getByRole('button', { name: 'Go Live locally' }).click()
      await expect(wizard(page).getByRole('alert')).toContainText('Could not go live')
      await expect(page.getByTestId('first-run-air')).toHaveAttribute('data-state', 'offline')
      await expect(page.getByText(`port ${heldPort}`)).toBeVisible()
      await (await firstTab).close()
    } finally {
      squatter.close()
    }
    // Other studios may be on this machine too: free ports for the real start.
    await callCore(page.request, studio.baseUrl, 'onair.settings.update', { rtmpPort: await freePort() })
    const opened = page.context().waitForEvent('page')
    await page.getByRole('button', { name: 'Go Live locally' }).click()
    const viewer = await opened
    try {
      await viewer.waitForLoadState()
      expect(new URL(viewer.url()).pathname).toBe('/watch')
      // The state comes from the engine; LIVE only once it says so.
      await expect(page.getByTestId('first-run-air')).toHaveAttribute('data-state', 'live', { timeout: 90_000 })
      await expect(page.getByTestId('first-run-watch-link')).toBeVisible()
      await shot(page, 'first-run-6-golive')

      const video = viewer.getByTestId('watch-video')
      await expect
        .poll(() => video.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 60_000 })
        .toBeGreaterThan(1)
      // And keeps playing: the picture advances (as fast as a busy machine lets it, not in a fixed 1.5 s).
      const t0 = await video.evaluate((v) => (v as HTMLVideoElement).currentTime)
      await expect
        .poll(() => video.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 30_000 })
        .toBeGreaterThan(t0 + 0.5)
      await expect(viewer.getByRole('link', { name: /Forest TV/ })).toBeVisible()
      await viewer.screenshot({ path: join(stepsDir, 'first-run-7-watch.png') })
    } finally {
      await viewer.close()
    }

    // Done: the studio, on the new channel; the first run is not offered again.
    await page.getByRole('button', { name: 'Open the studio' }).click()
    await expect(wizard(page)).toHaveCount(0)
    await expect(page.getByLabel('Channel', { exact: true })).toContainText('Forest TV')
    await page.reload()
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected')
    await expect(page.getByLabel('Channel', { exact: true })).toContainText('Forest TV')
    await expect(wizard(page)).toHaveCount(0)
    const ch = await callCore<{ id: number }>(page.request, studio.baseUrl, 'library.channels.get', {
      name: 'Forest TV'
    })
    await callCore(page.request, studio.baseUrl, 'onair.stop', { channelId: ch.id })
  })

  test('every step skipped: a channel with the defaults, and the studio', async ({ page, studio }) => {
    await openStudio(page, studio.url)
    await expect(wizard(page)).toHaveAttribute('data-step', 'channel')
    await page.getByRole('button', { name: 'Skip this step' }).click()
    await expect(wizard(page)).toHaveAttribute('data-step', 'backends')
    await page.getByRole('radio', { name: /ComfyUI server/ }).check()
    // Skipping falls back to the defaults, not to the half-made choice.
    await page.getByRole('button', { name: 'Skip this step' }).click()
    await expect(wizard(page)).toHaveAttribute('data-step', 'confirm')
    await expect(page.getByTestId('first-run-summary-name')).toHaveText('My first channel')
    await expect(wizard(page)).toContainText('Offline generator (this computer)')
    await expect(wizard(page)).toContainText('Built-in writer')
    await expect(wizard(page)).toContainText('slow camera moves over misty forests at dawn')
    await page.getByRole('button', { name: 'Create channel' }).click()
    await expect(wizard(page)).toHaveAttribute('data-step', 'generate')
    await page.getByRole('button', { name: 'Skip this step' }).click()
    await expect(wizard(page)).toHaveAttribute('data-step', 'preview')
    await expect(wizard(page)).toContainText('No shot is ready yet')
    await page.getByRole('button', { name: 'Skip this step' }).click()
    await expect(wizard(page)).toHaveAttribute('data-step', 'golive')
    await page.getByRole('button', { name: 'Skip — open the studio' }).click()
    await expect(wizard(page)).toHaveCount(0)
    await expect(page.getByLabel('Channel', { exact: true })).toContainText('My first channel')
    expect(await cliChannels(studio)).toEqual(['My first channel'])
    const r = await studio.runCli(['backends', 'list', '--channel', 'My first channel'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/video\s+local \(ffmpeg\)/)
  })

  test('cancelled before confirming, nothing is created; a refused confirm says what to fix', async ({
    page,
    studio
  }) => {
    await openStudio(page, studio.url)
    await expect(wizard(page)).toBeVisible()
    const before = stored(studio.dataDir)
    expect(before.channels).toEqual([])

    await page.getByLabel('Channel name').fill('Never Made')
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('radio', { name: /Hugging Face/ }).check()
    await expect(page.getByRole('button', { name: 'Next' })).toBeDisabled()
    await page.getByLabel('Hugging Face token').fill('hf_ not a token')
    await page.getByRole('radio', { name: /An LLM/ }).check()
    await page.getByLabel('Model', { exact: true }).fill('llama3.1')
    await page.getByLabel('API key (none for a local server)').fill('sk-NeverStored0123456789')
    await page.getByRole('button', { name: 'Next' }).click()
    await expect(wizard(page)).toHaveAttribute('data-step', 'confirm')

    // The core refuses the token by name; nothing of the call is kept.
    await page.getByRole('button', { name: 'Create channel' }).click()
    await expect(wizard(page).getByRole('alert')).toContainText('does not look like a Hugging Face token')
    await shot(page, 'first-run-refused')
    expect(stored(studio.dataDir)).toEqual(before)
    await page.getByRole('button', { name: 'Change it' }).click()
    await expect(wizard(page)).toHaveAttribute('data-step', 'backends')
    await page.getByLabel('Hugging Face token').fill('hf_LooksRight0123456789')
    await page.getByRole('button', { name: 'Next' }).click()

    await page.getByRole('button', { name: 'Cancel' }).click()
    await expect(wizard(page)).toHaveAttribute('data-step', 'channel')
    await expect(page.getByLabel('Channel name')).toHaveValue('')

    // Nothing: no channel (CLI and SQLite), no setting, no secret.
    expect(await cliChannels(studio)).toEqual([])
    expect(stored(studio.dataDir)).toEqual(before)
    const secrets = join(studio.dataDir, 'secrets.json')
    if (existsSync(secrets)) {
      const text = readFileSync(secrets, 'utf8')
      expect(text).not.toContain('LooksRight')
      expect(text).not.toContain('NeverStored')
    }
    // Cancelling is not dismissing: the next visit offers it again.
    await page.reload()
    await expect(wizard(page)).toHaveAttribute('data-step', 'channel')
  })

  test('"Don’t show this again" is remembered; a studio with channels never shows it', async ({ page, studio }) => {
    await openStudio(page, studio.url)
    await expect(wizard(page)).toBeVisible()
    await page.getByRole('button', { name: 'Don’t show this again' }).click()
    await expect(wizard(page)).toHaveCount(0)
    await expect(page.getByRole('button', { name: '+ New channel' })).toBeVisible()
    expect(stored(studio.dataDir).settings).toContainEqual({ key: 'firstrun.dismissed', value: '1' })
    await page.reload()
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected')
    await expect(page.getByRole('button', { name: '+ New channel' })).toBeVisible()
    await expect(wizard(page)).toHaveCount(0)

    // Offered again (through the contract), then a channel made elsewhere (the CLI) hides it for good.
    await callCore(page.request, studio.baseUrl, 'firstrun.dismiss', { dismissed: false })
    await page.reload()
    await expect(wizard(page)).toBeVisible()
    const made = await studio.runCli(['channel', 'create', 'From the CLI'])
    expect(made.code, made.stderr).toBe(0)
    await expect(wizard(page)).toHaveCount(0)
    await page.reload()
    await expect(page.getByLabel('Channel', { exact: true })).toContainText('From the CLI')
    await expect(wizard(page)).toHaveCount(0)
  })
})
