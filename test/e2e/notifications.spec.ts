import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { test, expect, repoRoot } from './fixtures'
import { callCore, makeClips, openStudio } from './ui-helpers'
import { freePort } from '../fixtures/rtmp'

/** A second, real node-media-server standing in for a remote ingest. */
async function startRemoteIngest(ports?: {
  rtmpPort: number
  httpPort: number
}): Promise<{ child: ChildProcess; rtmpPort: number; httpPort: number; log: () => string }> {
  const rtmpPort = ports?.rtmpPort ?? (await freePort())
  const httpPort = ports?.httpPort ?? (await freePort())
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'test/fixtures/rtmp-remote.cjs'), String(rtmpPort), String(httpPort)],
    { stdio: ['pipe', 'pipe', 'pipe'] }
  )
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  await expect.poll(() => out, { timeout: 15_000 }).toContain('READY')
  return { child, rtmpPort, httpPort, log: () => out }
}

interface Captured {
  title: string
  body: string | undefined
  tag: string | undefined
}

declare global {
  interface Window {
    __notifications: Captured[]
  }
}

test.describe('notifications on webtv serve', () => {
  test('a relay killed → an in-app notice and one browser Notification (permission granted); back live → the notice clears; no key anywhere', async ({
    page,
    context,
    studio
  }) => {
    test.setTimeout(180_000)
    const key = 'e2e_notify_key_4b8d2f'
    await context.grantPermissions(['notifications'])
    // Every Notification the page constructs is recorded (then really constructed).
    await page.addInitScript(() => {
      const Real = window.Notification
      window.__notifications = []
      const Wrapped = function (title: string, options?: NotificationOptions) {
        window.__notifications.push({ title, body: options?.body, tag: options?.tag })
        try {
          return new Real(title, options)
        } catch {
          return { close() {}, onclick: null }
        }
      } as unknown as typeof Notification
      Object.defineProperty(Wrapped, 'permission', { get: () => Real.permission })
      Object.defineProperty(Wrapped, 'requestPermission', { value: Real.requestPermission.bind(Real) })
      Object.defineProperty(window, 'Notification', { value: Wrapped, configurable: true, writable: true })
    })
    let remote = await startRemoteIngest()
    try {
      // The page's cookie authorises the API calls that set the channel up.
      await openStudio(page, studio.url)
      const channelId = (
        await callCore<{ id: number }>(page.request, studio.baseUrl, 'library.channels.create', { name: 'Notify E2E' })
      ).id
      const [clip] = makeClips(['n.mp4'], 2)
      const imported = await callCore<{ results: Array<{ ok: boolean; shot?: { id: number } }> }>(
        page.request,
        studio.baseUrl,
        'library.import',
        { channelId, paths: [clip], approved: true }
      )
      await callCore(page.request, studio.baseUrl, 'library.playlist.add', {
        channelId,
        shotIds: [imported.results[0]!.shot!.id]
      })
      await callCore(page.request, studio.baseUrl, 'onair.settings.update', {
        rtmpPort: await freePort(),
        httpPort: await freePort()
      })
      const dest = await callCore<{ id: string }>(page.request, studio.baseUrl, 'onair.destinations.add', {
        channelId,
        kind: 'rtmp',
        name: 'Remote',
        url: `rtmp://127.0.0.1:${remote.rtmpPort}/live/${key}`
      })

      await page.reload()
      await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected')
      // Granted already: no need to offer the permission.
      await expect(page.getByTestId('notify-prompt')).toHaveCount(0)
      await callCore(page.request, studio.baseUrl, 'onair.start', { channelId })
      await expect.poll(remote.log, { timeout: 30_000 }).toContain(`PUBLISH /live/${key}`)
      const row = page.locator(`[data-testid="destination"]`)
      await expect(row).toHaveAttribute('data-state', 'live', { timeout: 30_000 })

      // The ingest dies: one notice in the studio, one system notification.
      remote.child.kill('SIGKILL')
      const notice = page.getByRole('alert').filter({ hasText: '"Remote" dropped' })
      await expect(notice).toBeVisible({ timeout: 30_000 })
      await expect(notice).toContainText('"Notify E2E": the connection was lost')
      await expect.poll(() => page.evaluate(() => window.__notifications.length)).toBe(1)
      const [shown] = await page.evaluate(() => window.__notifications)
      expect(shown).toMatchObject({ title: '"Remote" dropped', tag: `destination-dropped:${channelId}:${dest.id}` })
      expect(shown!.body).toMatch(/Retrying/)
      // Retries while it is down are the same outage: still one.
      await expect(row).toContainText(/attempt [2-9]/, { timeout: 20_000 })
      expect(await page.evaluate(() => window.__notifications.length)).toBe(1)

      // Back: the destination goes live again and its notice goes away.
      remote = await startRemoteIngest({ rtmpPort: remote.rtmpPort, httpPort: remote.httpPort })
      await callCore(page.request, studio.baseUrl, 'onair.destinations.retryNow', { id: dest.id })
      await expect(row).toHaveAttribute('data-state', 'live', { timeout: 30_000 })
      await expect(notice).toHaveCount(0)

      expect(await page.content()).not.toContain(key)
      expect(JSON.stringify(await page.evaluate(() => window.__notifications))).not.toContain(key)
      await callCore(page.request, studio.baseUrl, 'onair.stop', { channelId })
    } finally {
      remote.child.kill('SIGTERM')
    }
  })

  test('without permission, the Go Live panel offers it on a click and the browser is asked', async ({
    page,
    context,
    studio
  }) => {
    await openStudio(page, studio.url)
    await callCore(page.request, studio.baseUrl, 'library.channels.create', { name: 'Prompt E2E' })
    await page.reload()
    const prompt = page.getByTestId('notify-prompt')
    const initial = await page.evaluate(() => Notification.permission)
    test.skip(initial !== 'default', `this Chromium starts with notifications ${initial}`)
    await expect(prompt).toBeVisible()
    await context.grantPermissions(['notifications'])
    await prompt.getByRole('button', { name: 'Allow notifications' }).click()
    await expect(prompt).toHaveCount(0)
    expect(await page.evaluate(() => Notification.permission)).toBe('granted')
  })
})
