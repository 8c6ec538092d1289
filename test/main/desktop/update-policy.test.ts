import { describe, expect, it } from 'vitest'
import {
  channelsOnAir,
  closingWindowQuits,
  decideQuit,
  decideRestartToUpdate,
  feedbackFor,
  nextPhase,
  onUpdateItemClick,
  updateMenuItem,
  updaterAvailability,
  updaterErrorLine,
  type UpdateEvent,
  type UpdatePhase
} from '../../../src/main/desktop/update-policy'

const run = (start: UpdatePhase, events: UpdateEvent[]): UpdatePhase => events.reduce(nextPhase, start)

describe('whether the studio updates itself', () => {
  const packaged = { isPackaged: true, platform: 'darwin' as const, env: {} }
  it('packaged on macOS and Windows, and as an AppImage on Linux', () => {
    expect(updaterAvailability(packaged)).toEqual({ enabled: true })
    expect(updaterAvailability({ ...packaged, platform: 'win32' })).toEqual({ enabled: true })
    expect(updaterAvailability({ ...packaged, platform: 'linux', env: { APPIMAGE: '/opt/W.AppImage' } })).toEqual({
      enabled: true
    })
  })
  it('not unpacked (development), not outside the AppImage, not when turned off — each with its reason', () => {
    expect(updaterAvailability({ ...packaged, isPackaged: false })).toMatchObject({
      enabled: false,
      reason: expect.stringMatching(/unpacked \(development\)/)
    })
    expect(updaterAvailability({ ...packaged, platform: 'linux' })).toMatchObject({
      enabled: false,
      reason: expect.stringMatching(/only the AppImage/)
    })
    expect(updaterAvailability({ ...packaged, env: { WEBTV_NO_UPDATES: '1' } })).toMatchObject({
      enabled: false,
      reason: expect.stringMatching(/WEBTV_NO_UPDATES=1/)
    })
  })
})

describe('updater phases and the menu item', () => {
  it('check → found → downloading with progress → ready to install', () => {
    let p: UpdatePhase = { kind: 'idle' }
    expect(updateMenuItem(p)).toEqual({ label: 'Check for Updates…', enabled: true })
    p = nextPhase(p, { type: 'checking' })
    expect(updateMenuItem(p)).toEqual({ label: 'Checking for Updates…', enabled: false })
    p = nextPhase(p, { type: 'available', version: '0.2.0' })
    p = nextPhase(p, { type: 'progress', percent: 41.7 })
    expect(updateMenuItem(p)).toEqual({ label: 'Downloading Update 0.2.0 (41%)…', enabled: false })
    p = nextPhase(p, { type: 'downloaded', version: '0.2.0' })
    expect(updateMenuItem(p)).toEqual({ label: 'Restart to Install 0.2.0…', enabled: true })
    expect(onUpdateItemClick(p)).toBe('restart')
  })
  it('a downloaded update stays ready through later checks and their errors', () => {
    const ready: UpdatePhase = { kind: 'downloaded', version: '0.2.0' }
    expect(run(ready, [{ type: 'checking' }, { type: 'not-available', version: '0.2.0' }])).toEqual(ready)
    expect(run(ready, [{ type: 'checking' }, { type: 'error', message: 'offline' }])).toEqual(ready)
  })
  it('an error leaves the item clickable to try again', () => {
    const p = run({ kind: 'idle' }, [
      { type: 'checking' },
      { type: 'error', message: 'net::ERR_INTERNET_DISCONNECTED' }
    ])
    expect(p).toEqual({ kind: 'error', message: 'net::ERR_INTERNET_DISCONNECTED' })
    expect(updateMenuItem(p).enabled).toBe(true)
    expect(onUpdateItemClick(p)).toBe('check')
  })
  it('progress is clamped and ignored outside a download', () => {
    const d: UpdatePhase = { kind: 'downloading', version: '1', percent: 0, manual: false }
    expect(nextPhase(d, { type: 'progress', percent: 140 })).toMatchObject({ percent: 100 })
    expect(nextPhase({ kind: 'idle' }, { type: 'progress', percent: 50 })).toEqual({ kind: 'idle' })
  })
  it('disabled stays disabled whatever happens, and clicking explains why', () => {
    const off: UpdatePhase = { kind: 'disabled', reason: 'x' }
    expect(run(off, [{ type: 'checking' }, { type: 'downloaded', version: '9' }])).toEqual(off)
    expect(updateMenuItem(off)).toEqual({ label: 'Check for Updates…', enabled: true })
    expect(onUpdateItemClick(off)).toBe('explain-disabled')
    expect(onUpdateItemClick({ kind: 'checking', manual: true })).toBe('busy')
  })
})

describe('what the person is told', () => {
  const manual: UpdatePhase = { kind: 'checking', manual: true }
  const background: UpdatePhase = { kind: 'checking', manual: false }
  it('a check they asked for always gets an answer', () => {
    expect(feedbackFor(manual, { type: 'not-available', version: '0.1.0' }, '0.1.0')).toMatchObject({
      kind: 'dialog',
      message: 'WebTV Studio is up to date.',
      detail: expect.stringContaining('0.1.0')
    })
    expect(feedbackFor(manual, { type: 'available', version: '0.2.0' }, '0.1.0')).toMatchObject({
      kind: 'dialog',
      detail: expect.stringMatching(/installs the next time you quit.*Nothing on air is interrupted/)
    })
    expect(feedbackFor(manual, { type: 'error', message: 'HttpError: 404' }, '0.1.0')).toMatchObject({
      kind: 'dialog',
      type: 'error',
      detail: expect.stringContaining('HttpError: 404')
    })
    // The manual flag survives into the download, so its failure is reported too.
    const downloading = nextPhase(manual, { type: 'available', version: '0.2.0' })
    expect(feedbackFor(downloading, { type: 'error', message: 'sha512 mismatch' }, '0.1.0')).toMatchObject({
      type: 'error'
    })
  })
  it('background checks never raise a dialog (a modal over a live show is the interruption to avoid)', () => {
    for (const e of [
      { type: 'not-available', version: '0.1.0' },
      { type: 'available', version: '0.2.0' },
      { type: 'error', message: 'offline' },
      { type: 'downloaded', version: '0.2.0' }
    ] as UpdateEvent[])
      expect(feedbackFor(background, e, '0.1.0')).toEqual({ kind: 'none' })
    const downloading = nextPhase(background, { type: 'available', version: '0.2.0' })
    expect(feedbackFor(downloading, { type: 'error', message: 'x' }, '0.1.0')).toEqual({ kind: 'none' })
  })
  it('error lines are one short line', () => {
    expect(updaterErrorLine(new Error('\nHttpError: 404 "method: GET url: https://x"\n<html>…</html>'))).toBe(
      'HttpError: 404 "method: GET url: https://x"'
    )
    expect(updaterErrorLine('x'.repeat(1000))).toHaveLength(301)
    expect(updaterErrorLine('')).toBe('unknown error')
  })
})

describe('never while live', () => {
  it('restart to install goes ahead only with nothing on air', () => {
    expect(decideRestartToUpdate({ version: '0.2.0', onAir: [] })).toEqual({ action: 'install' })
    const d = decideRestartToUpdate({ version: '0.2.0', onAir: ['Night Owl TV'] })
    expect(d).toMatchObject({ action: 'defer', message: 'Update 0.2.0 will install later: “Night Owl TV” is on air.' })
    if (d.action === 'defer') expect(d.detail).toMatch(/installs by itself the next time you quit/)
    expect(decideRestartToUpdate({ version: '0.2.0', onAir: ['A', 'B', 'C'] })).toMatchObject({
      message: expect.stringContaining('3 channels are on air (“A”, “B” and “C”)')
    })
  })
  it('quitting while on air asks first, Cancel by default; confirmed or off air it quits', () => {
    expect(decideQuit({ onAir: [], confirmed: false })).toEqual({ action: 'quit' })
    expect(decideQuit({ onAir: ['A'], confirmed: true })).toEqual({ action: 'quit' })
    const d = decideQuit({ onAir: ['A'], confirmed: false, pendingUpdate: '0.2.0' })
    expect(d).toMatchObject({
      action: 'ask',
      message: '“A” is on air. Quit anyway?',
      buttons: ['Stop Streaming and Quit', 'Cancel'],
      defaultId: 1,
      cancelId: 1
    })
    if (d.action === 'ask') expect(d.detail).toMatch(/stops the stream.*Update 0\.2\.0 installs as the studio quits/)
  })
  it('counts every channel not offline as on air (starting, reconnecting and error still hold the stream)', () => {
    expect(
      channelsOnAir([
        { name: 'A', state: 'live' },
        { name: 'B', state: 'offline' },
        { name: 'C', state: 'reconnecting' },
        { name: 'D', state: 'starting' }
      ])
    ).toEqual(['A', 'C', 'D'])
  })
  it('closing the last window quits on Windows and Linux, never on macOS', () => {
    expect(closingWindowQuits('win32', 1)).toBe(true)
    expect(closingWindowQuits('linux', 1)).toBe(true)
    expect(closingWindowQuits('linux', 2)).toBe(false)
    expect(closingWindowQuits('darwin', 1)).toBe(false)
  })
})
