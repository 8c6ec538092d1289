import { test, expect } from './fixtures'

test.describe('foundation: the headless studio in a browser', () => {
  test('opens with the token, talks to the core over the WebSocket and back', async ({ page, studio }) => {
    const frames: string[] = []
    page.on('websocket', (ws) => {
      ws.on('framesent', (f) => frames.push(`> ${String(f.payload)}`))
      ws.on('framereceived', (f) => frames.push(`< ${String(f.payload)}`))
    })
    await page.goto(studio.url)
    // The token was traded for a cookie and dropped from the address bar.
    await expect(page).toHaveURL(`${studio.baseUrl}/`)
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected')
    // A real call went out on the socket and its result came back.
    await expect.poll(() => frames.some((f) => f.startsWith('> ') && f.includes('"t":"call"'))).toBe(true)
    await expect
      .poll(() => frames.some((f) => f.startsWith('< ') && f.includes('"t":"result"') && f.includes('"ok":true')))
      .toBe(true)
    // The frame shows what the core reported about itself.
    await expect(page.getByTestId('core-data-dir')).toContainText(studio.dataDir)
  })

  test('refuses the studio without the token', async ({ page, studio }) => {
    const res = await page.goto(studio.baseUrl + '/')
    expect(res?.status()).toBe(401)
    await expect(page.locator('body')).toContainText('token')
  })
})
