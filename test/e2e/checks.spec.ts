import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from './fixtures'
import { callCore, createChannelInUi, importWithFileChooser, openStudio, screenshotDir } from './ui-helpers'

/**
 * A moving picture with a camera watermark burned in a corner, as a model sometimes paints it
 * (issue 21). Watermark-sized text reads the same whatever the encoder's thread count; big display
 * text with a drop shadow (a centred 40 px "IMAX" here before) did not: the import's conform uses
 * every core, so its pixels, and tesseract's reading, changed from machine to machine.
 */
function clipWithBurnedText(): string {
  const out = join(mkdtempSync(join(tmpdir(), 'webtv-checks-e2e-')), 'harbour at dawn.mp4')
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'life=s=320x180:r=12:mold=10:ratio=0.3:seed=7:death_color=#203040:life_color=#e0c070,gblur=sigma=2,format=yuv420p',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=330:sample_rate=48000',
    '-t',
    '3',
    '-vf',
    "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='Shot on iPhone':fontsize=14:fontcolor=white:shadowcolor=black:shadowx=1:shadowy=1:x=w-tw-12:y=h-th-10",
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
}

test.describe('studio: quality checks in the preview', () => {
  test('an import with burned-in text shows the failing check, its reason and the frame times', async ({
    page,
    studio
  }) => {
    test.setTimeout(180_000)
    const clip = clipWithBurnedText()
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Gate E2E')
    const { channels } = await callCore<{ channels: { id: number; name: string }[] }>(
      page.request,
      studio.baseUrl,
      'library.channels.list',
      {}
    )
    const channelId = channels.find((c) => c.name === 'Gate E2E')!.id
    await callCore(page.request, studio.baseUrl, 'gate.policy.set', { channelId, enabled: true })

    await importWithFileChooser(page, [clip])
    const card = page.getByTestId('shot-card').filter({ hasText: 'harbour at dawn' })
    await expect(card).toHaveCount(1, { timeout: 90_000 })
    await expect(page.locator('[data-testid="import-entry"][data-phase="done"]')).toHaveCount(1, { timeout: 90_000 })
    await card.click()

    const checks = page.getByRole('region', { name: 'Preview' }).getByTestId('shot-checks')
    await expect(checks).toBeVisible({ timeout: 30_000 })
    const text = checks.locator('li[data-check="text"]')
    await expect(text).toHaveClass(/check-fail/)
    // The words as OCR read them (a misread such as "shat" is still quoted): quoted in the reason.
    await expect(text).toContainText(/Text in the picture the shot did not ask for: "[^"]+"/)
    // The sampled moments where the text was read, in seconds into the take.
    await expect(text.locator('.check-frames')).toHaveText(/^ at \d+\.\d s(, \d+\.\d s)*$/)
    // The picture moves and has sound: those checks pass beside the failing one.
    await expect(checks.locator('li[data-check="frozen"]')).toHaveClass(/check-pass/)
    await expect(checks.locator('li[data-check="black"]')).toHaveClass(/check-pass/)
    await expect(checks.getByRole('heading')).toContainText('1 failed')
    await checks.screenshot({ path: join(screenshotDir, 'preview-checks.png') })
  })
})
