import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { test, expect, repoRoot } from './fixtures'
import { callCore, createChannelInUi, importWithFileChooser, makeClips, openStudio, screenshotDir } from './ui-helpers'

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

/** A second, real node-media-server standing in for a remote ingest; it only accepts `key`. */
async function startRemoteIngest(
  key: string,
  ports?: { rtmpPort: number; httpPort: number }
): Promise<{ child: ChildProcess; rtmpPort: number; httpPort: number; log: () => string }> {
  const rtmpPort = ports?.rtmpPort ?? (await freePort())
  const httpPort = ports?.httpPort ?? (await freePort())
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'test/fixtures/rtmp-remote.cjs'), String(rtmpPort), String(httpPort), key],
    { stdio: ['pipe', 'pipe', 'pipe'] }
  )
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  await expect.poll(() => out, { timeout: 15_000 }).toContain('READY')
  return { child, rtmpPort, httpPort, log: () => out }
}

interface AirStatus {
  channels: { channelId: number; state: string }[]
}

test.describe('studio: Go Live', () => {
  test('masked key, Go Live to an RTMP destination, LIVE only once the engine says so, monitor plays, End Stream', async ({
    page,
    studio
  }) => {
    test.setTimeout(240_000)
    const key = 'e2e_secret_key_7f3a9c'
    let remote = await startRemoteIngest(key)
    try {
      // Every frame the page receives passes through here: frames announcing "live" can be
      // held back, and nothing the page receives may contain the stream key.
      let holdLive = false
      const held: Array<() => void> = []
      const received: string[] = []
      await page.routeWebSocket(/\/api\/ws$/, (ws) => {
        const server = ws.connectToServer()
        server.onMessage((msg) => {
          const text = String(msg)
          received.push(text)
          if (holdLive && text.includes('"state":"live"')) held.push(() => ws.send(msg))
          else ws.send(msg)
        })
      })

      await openStudio(page, studio.url)
      await createChannelInUi(page, 'Live E2E')
      await importWithFileChooser(page, makeClips(['a.mp4', 'b.mp4'], 3))
      await expect(page.locator('[data-testid="import-entry"][data-phase="done"]')).toHaveCount(2, { timeout: 90_000 })
      for (const id of await page
        .getByTestId('shot-card')
        .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.shotId)))) {
        await page.locator(`[data-testid="shot-card"][data-shot-id="${id}"]`).hover()
        await page.getByRole('button', { name: `Add shot ${id} to timeline` }).click()
      }
      await expect(page.getByTestId('timeline-item')).toHaveCount(2)
      await expect(page.getByTestId('onair-badge')).toHaveAttribute('data-state', 'offline')

      // Add the destination: the key field is masked until Show is pressed.
      await page.getByRole('button', { name: '+ Add destination' }).click()
      await page.getByLabel('Custom RTMP').check()
      await page.getByTestId('rtmp-url-input').fill(`rtmp://127.0.0.1:${remote.rtmpPort}/live`)
      const keyInput = page.getByLabel('Stream key (optional)')
      await keyInput.fill(key)
      await expect(keyInput).toHaveAttribute('type', 'password')
      await page.getByRole('button', { name: 'Show' }).click()
      await expect(keyInput).toHaveAttribute('type', 'text')
      await page.getByRole('button', { name: 'Hide' }).click()
      await expect(keyInput).toHaveAttribute('type', 'password')
      await page.getByRole('button', { name: 'Add destination' }).click()
      const dest = page.getByTestId('destination')
      await expect(dest).toHaveCount(1)
      const masked = await dest.getByTestId('key-masked').textContent()
      expect(masked).not.toContain(key)
      expect(masked).toMatch(/•|\*/)
      expect(await page.content()).not.toContain(key)

      // Go Live, with the engine's "live" reports held back: the UI must not claim LIVE.
      const channelId = (
        await callCore<{ channels: { id: number; name: string }[] }>(
          page.request,
          studio.baseUrl,
          'library.channels.list',
          {}
        )
      ).channels.find((c) => c.name === 'Live E2E')!.id
      const engineState = async () =>
        (await callCore<AirStatus>(page.request, studio.baseUrl, 'onair.status', { channelId })).channels.find(
          (c) => c.channelId === channelId
        )?.state
      holdLive = true
      await page.getByRole('button', { name: 'Go Live' }).click()
      await expect.poll(engineState, { timeout: 30_000 }).toBe('live')
      await page.waitForTimeout(1000)
      await expect(page.getByTestId('onair-badge')).not.toHaveAttribute('data-state', 'live')
      await expect(page.getByTestId('onair-badge')).not.toHaveText('LIVE')
      expect(held.length).toBeGreaterThan(0)
      holdLive = false
      for (const send of held.splice(0)) send()
      await expect(page.getByTestId('onair-badge')).toHaveAttribute('data-state', 'live')
      await expect(page.getByTestId('onair-badge')).toHaveText('LIVE')
      await expect(page.getByRole('button', { name: 'End Stream' })).toBeVisible()

      // The monitor plays the local HTTP-FLV stream.
      const monitor = page.getByTestId('monitor-video')
      await expect
        .poll(() => monitor.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 45_000 })
        .toBeGreaterThan(1)
      // The relay reached the remote ingest with the right key, and the row shows it live.
      await expect.poll(remote.log, { timeout: 30_000 }).toContain(`PUBLISH /live/${key}`)
      await expect(dest).toHaveAttribute('data-state', 'live', { timeout: 30_000 })
      await expect(page.getByTestId('air-now')).not.toHaveText('—', { timeout: 20_000 })
      await page.waitForTimeout(2500)
      await page.screenshot({ path: join(screenshotDir, 'golive.png') })

      // The key never reached the page, in any frame.
      expect(received.filter((f) => f.includes(key))).toEqual([])

      // The remote ingest goes away: that destination reconnects with a countdown while the
      // channel stays live; when the ingest is back, "Retry now" reconnects without waiting.
      remote.child.kill('SIGKILL')
      await expect(dest).toHaveAttribute('data-state', 'reconnecting', { timeout: 30_000 })
      await expect(dest).toContainText(/Reconnecting in \d+ s \(attempt \d+\)/)
      await expect(page.getByTestId('onair-badge')).toHaveAttribute('data-state', 'live')
      await dest.evaluate((el) => el.scrollIntoView({ block: 'start' }))
      await page.screenshot({ path: join(screenshotDir, 'golive-reconnecting.png') })
      remote = await startRemoteIngest(key, { rtmpPort: remote.rtmpPort, httpPort: remote.httpPort })
      await dest.getByRole('button', { name: 'Retry now' }).click()
      await expect(dest).toHaveAttribute('data-state', 'live', { timeout: 20_000 })
      await expect.poll(remote.log, { timeout: 20_000 }).toContain(`PUBLISH /live/${key}`)

      await page.getByRole('button', { name: 'End Stream' }).click()
      await expect(page.getByTestId('onair-badge')).toHaveAttribute('data-state', 'offline', { timeout: 30_000 })
      expect(await engineState()).toBe('offline')
      await expect(page.getByRole('button', { name: 'Go Live' })).toBeVisible()
    } finally {
      remote.child.kill('SIGTERM')
    }
  })
})
