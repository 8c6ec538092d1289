import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { APIRequestContext, Locator, Page } from '@playwright/test'
import { expect } from './fixtures'

/**
 * Where the e2e specs save their screenshots. A plain test run writes them to the
 * ignored test-results/screenshots, so it never rewrites the committed ones;
 * `npm run screenshots` (WEBTV_UPDATE_SCREENSHOTS=1) refreshes the README's copies
 * in test/e2e/screenshots on purpose.
 */
export const screenshotDir =
  process.env.WEBTV_UPDATE_SCREENSHOTS === '1'
    ? join(__dirname, 'screenshots')
    : join(__dirname, '..', '..', 'test-results', 'screenshots')

/** Small real clips made by ffmpeg's lavfi sources: distinct colours/tones so each is a different file. */
export function makeClips(names: string[], seconds = 2): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'webtv-clips-'))
  const patterns = ['testsrc2', 'smptebars', 'rgbtestsrc', 'testsrc', 'pal75bars', 'yuvtestsrc']
  return names.map((name, i) => {
    const out = join(dir, name)
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `${patterns[i % patterns.length]}=size=320x180:rate=24:duration=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${300 + 110 * i}:duration=${seconds}`,
      '-shortest',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      out
    ])
    return out
  })
}

/** Call the studio's contract over HTTP with the page's cookie — the same calls the UI makes. */
export async function callCore<T = unknown>(
  request: APIRequestContext,
  baseUrl: string,
  name: string,
  input: unknown
): Promise<T> {
  const res = await request.post(`${baseUrl}/api/call/${name}`, { data: input })
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } }
  if (!body.ok) throw new Error(`${name} failed: ${body.error?.message}`)
  return body.value as T
}

export async function openStudio(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected')
}

export async function createChannelInUi(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: '+ New channel' }).click()
  await page.getByLabel('New channel name').fill(name)
  await page.getByRole('button', { name: 'Create', exact: true }).click()
  await expect(page.getByLabel('Channel', { exact: true })).toContainText(name)
}

/** Import files through the real file chooser the Import… button opens. */
export async function importWithFileChooser(page: Page, files: string[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser')
  await page.getByRole('button', { name: 'Import…' }).click()
  await (await chooser).setFiles(files)
}

export async function timelineShotIds(page: Page): Promise<number[]> {
  return page
    .getByTestId('timeline-item')
    .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.shotId)))
}

/**
 * Keyboard reorder of a timeline card at index `from`: Space picks it up, `steps` arrows
 * (negative: left) move the drop position, Space drops. Each key waits until the strip shows
 * the one before (picked up, then the drop position), however slowly a busy machine renders.
 */
export async function keyboardMove(page: Page, card: Locator, from: number, steps: number): Promise<void> {
  await card.focus()
  await page.keyboard.press('Space')
  await expect(card).toHaveAttribute('aria-grabbed', 'true')
  const target = page.locator('[data-testid="timeline-item"].drop-target')
  for (let k = 1; k <= Math.abs(steps); k++) {
    await page.keyboard.press(steps < 0 ? 'ArrowLeft' : 'ArrowRight')
    await expect(target).toHaveAttribute('aria-label', new RegExp(`^Position ${from + Math.sign(steps) * k + 1}:`))
  }
  await page.keyboard.press('Space')
}
