import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from './fixtures'
import { callCore, createChannelInUi, makeClips, openStudio } from './ui-helpers'

interface LookOut {
  loudness: { targetLufs: number }
  logo: { file: string; position: string } | null
  aiLabel: { enabled: boolean; text: string }
  dipSeconds: number
}

test.describe('studio: channel look', () => {
  test('sets the loudness target, uploads a logo and shows a preview still of a real shot with it', async ({
    page,
    studio
  }) => {
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Look E2E')
    const channels = async () =>
      (
        await callCore<{ channels: Array<{ id: number; name: string; look: LookOut }> }>(
          page.request,
          studio.baseUrl,
          'library.channels.list',
          {}
        )
      ).channels.find((c) => c.name === 'Look E2E')!
    await page.getByRole('button', { name: 'Settings' }).click()
    const form = page.getByRole('form', { name: 'Look and loudness' })
    await expect(form.getByRole('heading')).toContainText('Channel look')
    // no shot yet: the preview says so instead of showing a blank
    await expect(form).toContainText('No shot to preview yet')

    // a clip in the library, then a logo and −23 LUFS
    const [clip] = makeClips(['look.mp4'], 2)
    await callCore(page.request, studio.baseUrl, 'library.import', {
      channelId: (await channels()).id,
      paths: [clip],
      approved: true
    })
    const logo = join(mkdtempSync(join(tmpdir(), 'webtv-logo-')), 'logo.png')
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=yellow@0.9:s=120x60,format=rgba',
      '-frames:v',
      '1',
      logo
    ])
    await form.getByLabel('Loudness target').selectOption('-23')
    await form.getByLabel('Logo file').setInputFiles(logo)
    await form.getByLabel('Logo corner').selectOption('bottom-right')
    await form.getByRole('button', { name: 'Preview' }).click()
    const still = form.getByRole('img', { name: /as it will air/ })
    await expect(still).toBeVisible()
    expect(await still.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1024)
    // previewing saved nothing
    expect((await channels()).look.logo).toBeNull()

    await form.getByRole('button', { name: 'Save look' }).click()
    await expect
      .poll(async () => (await channels()).look)
      .toMatchObject({ loudness: { targetLufs: -23 }, logo: { position: 'bottom-right' } })

    // a bad target is refused in place, nothing stored
    await page.getByRole('form', { name: 'Look and loudness' }).getByLabel('Loudness target').selectOption('custom')
    await page.getByRole('form', { name: 'Look and loudness' }).getByLabel('LUFS (−31…−5)').fill('-40')
    await page.getByRole('form', { name: 'Look and loudness' }).getByRole('button', { name: 'Save look' }).click()
    await expect(page.getByText(/outside -31…-5 LUFS/).first()).toBeVisible()
    expect((await channels()).look.loudness.targetLufs).toBe(-23)
  })
})
