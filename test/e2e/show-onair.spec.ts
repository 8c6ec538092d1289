import { join } from 'node:path'
import { test, expect } from './fixtures'
import type { Page } from '@playwright/test'
import type { Studio } from './fixtures'
import { callCore, createChannelInUi, openStudio, screenshotDir } from './ui-helpers'

interface Show {
  sequences: Array<{ id: number; title: string; shots: Array<{ line?: { text: string } | null }> }>
}
interface Shots {
  shots: Array<{ id: number; status: string; error: string | null }>
}

/** The text of every cue of the video's showing text tracks (what hls.js hands the browser to draw). */
const showingCues = (v: HTMLVideoElement): string[] =>
  Array.from(v.textTracks)
    .filter((t) => t.mode === 'showing')
    .flatMap((t) => Array.from(t.cues ?? []).map((c) => (c as VTTCue).text))

/** A channel with a produced, narrated sequence (template writer, espeak-ng, offline shots), captions as an HLS rendition, on air. */
async function airProducedShow(
  page: Page,
  studio: Studio
): Promise<{ channelId: number; sequence: Show['sequences'][number]; lines: string[] }> {
  await openStudio(page, studio.url)
  await createChannelInUi(page, 'Show On Air')
  const channelId = (
    await callCore<{ channels: Array<{ id: number; name: string }> }>(
      page.request,
      studio.baseUrl,
      'library.channels.list',
      {}
    )
  ).channels.find((c) => c.name === 'Show On Air')!.id
  // Captions as a WebVTT rendition of the HLS only (the picture stays clean); shots air without review.
  await callCore(page.request, studio.baseUrl, 'library.channels.update', {
    id: channelId,
    reviewPolicy: 'auto',
    look: { captions: 'subtitles' }
  })
  const plan = await callCore<Show>(page.request, studio.baseUrl, 'show.write', {
    channelId,
    theme: 'a lighthouse keeper on a stormy night',
    sequences: 1,
    shotsPerSequence: 2,
    writer: 'template'
  })
  const sequence = plan.sequences[0]!
  const lines = sequence.shots.flatMap((s) => (s.line ? [s.line.text] : []))
  expect(lines.length).toBeGreaterThan(0)
  await callCore(page.request, studio.baseUrl, 'show.produce', { channelId, id: sequence.id })
  // Offline clips, espeak-ng lines, mixed at conform: minutes on a busy machine, so wait on what the library says.
  await expect
    .poll(
      async () => {
        const { shots } = await callCore<Shots>(page.request, studio.baseUrl, 'library.shots.list', {
          channelId,
          limit: 10
        })
        const failed = shots.find((s) => s.status === 'failed')
        if (failed) throw new Error(`a shot failed: ${failed.error}`)
        return shots.filter((s) => s.status === 'ready').length
      },
      { timeout: 240_000, intervals: [2000] }
    )
    .toBe(2)

  await page.getByRole('button', { name: 'Go Live' }).click()
  await expect(page.getByTestId('air-state')).toHaveAttribute('data-state', 'live', { timeout: 60_000 })
  return { channelId, sequence, lines }
}

test.describe('a produced show on air', () => {
  test('now/next name the sequence, then the shot; the synopsis is in the tooltip; a take says how it fits its line', async ({
    page,
    studio
  }) => {
    test.setTimeout(420_000)
    const { channelId, sequence } = await airProducedShow(page, studio)
    // On air: the studio's now/next name the sequence, then the shot.
    const nowEntry = page.getByTestId('air-now')
    await expect(nowEntry.locator('.nownext-title')).toHaveText(sequence.title, { timeout: 30_000 })
    await expect(page.getByTestId('air-next').locator('.nownext-title')).toHaveText(sequence.title)
    await expect(nowEntry).toHaveAttribute(
      'title',
      new RegExp(`^${sequence.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`)
    )
    await page.screenshot({ path: join(screenshotDir, 'golive-sequence.png') })

    // The preview's take details say how a narrated shot's clip was made as long as its line (as the core recorded it).
    const preview = page.getByRole('region', { name: 'Preview' })
    const { shots } = await callCore<Shots>(page.request, studio.baseUrl, 'library.shots.list', {
      channelId,
      limit: 10
    })
    let noted = 0
    for (const shot of shots) {
      const { origins } = await callCore<{ origins: Array<{ lengthNote?: string | null }> }>(
        page.request,
        studio.baseUrl,
        'generation.takes.origin',
        { shotId: shot.id }
      )
      const note = origins[0]?.lengthNote
      await page.locator(`[data-testid="shot-card"][data-shot-id="${shot.id}"]`).click()
      await expect(preview.getByTestId('take')).toHaveCount(1)
      if (!note) {
        await expect(preview.getByTestId('take-length')).toHaveCount(0)
        continue
      }
      expect(note).toMatch(/^line needs \d+\.\d s, clip \d+\.\d s: /)
      await expect(preview.getByTestId('take-length')).toHaveText(`Length: ${note}`)
      noted++
    }
    // The template writer gives at least one shot a line.
    expect(noted).toBeGreaterThan(0)
    await preview.getByRole('region', { name: 'Takes' }).screenshot({ path: join(screenshotDir, 'take-length.png') })

    await callCore(page.request, studio.baseUrl, 'onair.stop', { channelId })
  })

  test('the watch page’s Captions button plays the HLS with its WebVTT cues, and turns them off', async ({
    page,
    studio,
    browser
  }) => {
    test.setTimeout(420_000)
    const { channelId, lines } = await airProducedShow(page, studio)
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 720 } })
    try {
      const viewer = await viewerContext.newPage()
      await viewer.addInitScript(() => {
        ;(window as unknown as { __webtvHlsLog: string[] }).__webtvHlsLog = []
      })
      const fetched: string[] = []
      viewer.on('request', (r) => {
        if (/\/hls\//.test(r.url())) fetched.push(r.url().replace(/^.*\/hls\/[^/]+\//, ''))
      })
      await viewer.goto(`${studio.baseUrl}/watch`)
      const video = viewer.getByTestId('watch-video')
      // Chromium has MSE: HTTP-FLV first, which carries no captions.
      await expect(video).toHaveAttribute('data-player', 'flv', { timeout: 30_000 })
      // Viewers join a running stream: let the HLS and its captions get a few segments in first.
      await expect
        .poll(
          async () =>
            (
              (await (await viewer.request.get(`${studio.baseUrl}/hls/show-on-air/subs.m3u8`)).text()).match(
                /\.vtt/g
              ) ?? []
            ).length,
          { timeout: 30_000 }
        )
        .toBeGreaterThanOrEqual(4)
      const toggle = viewer.getByTestId('watch-captions')
      await expect(toggle).toHaveText('Captions', { timeout: 30_000 })
      await expect(toggle).toHaveAttribute('aria-pressed', 'false')

      await toggle.click()
      await expect(toggle).toHaveAttribute('aria-pressed', 'true')
      await expect(video).toHaveAttribute('data-player', 'hls.js', { timeout: 30_000 })
      // A spoken line's cue reaches the showing text track (the loop airs both shots again and again).
      const tracks = () =>
        video.evaluate((v: HTMLVideoElement) =>
          Array.from(v.textTracks).map((t) => ({
            kind: t.kind,
            label: t.label,
            mode: t.mode,
            cues: t.cues?.length ?? null
          }))
        )
      const subs = async () => {
        const list = await (await viewer.request.get(`${studio.baseUrl}/hls/show-on-air/subs.m3u8`)).text()
        const last = list.trim().split('\n').at(-1)!
        return `${list}\n${last}:\n${await (await viewer.request.get(`${studio.baseUrl}/hls/show-on-air/${last}`)).text()}`
      }
      await expect
        .poll(() => video.evaluate(showingCues), {
          timeout: 90_000,
          intervals: [1000],
          message: 'a cue in a showing text track'
        })
        .toEqual(expect.arrayContaining([expect.stringMatching(/\w/)]))
        .catch(async (err: unknown) => {
          throw new Error(
            `${String(err)}\ntracks: ${JSON.stringify(await tracks())}\nfetched: ${fetched.join(' ')}\n${await subs()}\nhls.js:\n${(
              await viewer.evaluate(() => (window as unknown as { __webtvHlsLog: string[] }).__webtvHlsLog)
            )
              .filter((l) => /subtitle|VTT|vtt|cue|initPTS|^W|^E/.test(l))
              .slice(0, 60)
              .join('\n')}`
          )
        })
      const cues = await video.evaluate(showingCues)
      const spoken = lines.join(' ')
      expect(
        cues.some((c) => spoken.includes(c.replace(/\s+/g, ' ').trim())),
        `cues ${JSON.stringify(cues)} are parts of the lines ${JSON.stringify(lines)}`
      ).toBe(true)
      await viewer.screenshot({ path: join(screenshotDir, 'watch-captions.png') })

      // Off again: back to HTTP-FLV, no track shows any more.
      await toggle.click()
      await expect(toggle).toHaveText('Captions')
      await expect(video).toHaveAttribute('data-player', 'flv', { timeout: 30_000 })
      await expect.poll(() => video.evaluate(showingCues)).toEqual([])
      await expect
        .poll(() => video.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 60_000 })
        .toBeGreaterThan(1)
    } finally {
      await viewerContext.close()
      await callCore(page.request, studio.baseUrl, 'onair.stop', { channelId }).catch(() => undefined)
    }
  })
})
