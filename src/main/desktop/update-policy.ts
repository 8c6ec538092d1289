/**
 * Every decision about updates and quitting, as plain functions (state in → decision
 * out), so they are tested without Electron. The rule they keep: nothing the updater
 * does may cut a live stream. A downloaded update installs when the studio quits; a
 * restart to install is refused while a channel is on air; quitting while on air asks.
 */

/** Where the updater stands; the menu item and the dialogs follow it. */
export type UpdatePhase =
  | { kind: 'disabled'; reason: string }
  | { kind: 'idle' }
  | { kind: 'checking'; manual: boolean }
  | { kind: 'downloading'; version: string; percent: number; manual: boolean }
  | { kind: 'downloaded'; version: string }
  | { kind: 'error'; message: string }

/** electron-updater's events, reduced to what the studio acts on. */
export type UpdateEvent =
  | { type: 'checking' }
  | { type: 'available'; version: string }
  | { type: 'not-available'; version: string }
  | { type: 'progress'; percent: number }
  | { type: 'downloaded'; version: string }
  | { type: 'error'; message: string }

/** What the person sees as a result: nothing, or one message box. */
export type UpdateFeedback =
  { kind: 'none' } | { kind: 'dialog'; type: 'info' | 'error'; message: string; detail: string }

/** Background checks: one shortly after start, then every few hours — a 24/7 studio may never restart. */
export const FIRST_CHECK_DELAY_MS = 30_000
export const CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000

/**
 * Whether this process can update itself. Unpacked (electron-vite dev, `electron .`)
 * there is no release to compare with; on Linux only the AppImage updates itself (a
 * distro package or an unpacked tarball belongs to whatever installed it); and
 * WEBTV_NO_UPDATES=1 turns it off where an administrator manages versions.
 */
export function updaterAvailability(o: {
  isPackaged: boolean
  platform: NodeJS.Platform
  env: Record<string, string | undefined>
}): { enabled: true } | { enabled: false; reason: string } {
  if (!o.isPackaged)
    return { enabled: false, reason: 'the studio runs unpacked (development); install a release build to get updates' }
  if (o.env.WEBTV_NO_UPDATES === '1') return { enabled: false, reason: 'WEBTV_NO_UPDATES=1 is set' }
  if (o.platform === 'linux' && !o.env.APPIMAGE)
    return {
      enabled: false,
      reason: 'only the AppImage updates itself; update this install the way it was installed'
    }
  return { enabled: true }
}

/** The next phase after an updater event. */
export function nextPhase(phase: UpdatePhase, event: UpdateEvent): UpdatePhase {
  if (phase.kind === 'disabled') return phase
  const manual = (phase.kind === 'checking' || phase.kind === 'downloading') && phase.manual
  switch (event.type) {
    case 'checking':
      // A downloaded update stays ready while a later check runs.
      return phase.kind === 'downloaded'
        ? phase
        : { kind: 'checking', manual: phase.kind === 'checking' && phase.manual }
    case 'available':
      return { kind: 'downloading', version: event.version, percent: 0, manual }
    case 'not-available':
      return phase.kind === 'downloaded' ? phase : { kind: 'idle' }
    case 'progress':
      return phase.kind === 'downloading'
        ? { ...phase, percent: Math.max(0, Math.min(100, Math.floor(event.percent))) }
        : phase
    case 'downloaded':
      return { kind: 'downloaded', version: event.version }
    case 'error':
      return phase.kind === 'downloaded' ? phase : { kind: 'error', message: event.message }
  }
}

/** The "Check for Updates" menu item's label and whether it can be clicked. */
export function updateMenuItem(phase: UpdatePhase): { label: string; enabled: boolean } {
  switch (phase.kind) {
    case 'checking':
      return { label: 'Checking for Updates…', enabled: false }
    case 'downloading':
      return { label: `Downloading Update ${phase.version} (${phase.percent}%)…`, enabled: false }
    case 'downloaded':
      return { label: `Restart to Install ${phase.version}…`, enabled: true }
    default:
      // Disabled stays clickable: clicking says why there are no updates.
      return { label: 'Check for Updates…', enabled: true }
  }
}

/** What clicking the menu item does in this phase. */
export function onUpdateItemClick(phase: UpdatePhase): 'explain-disabled' | 'check' | 'restart' | 'busy' {
  switch (phase.kind) {
    case 'disabled':
      return 'explain-disabled'
    case 'downloaded':
      return 'restart'
    case 'checking':
    case 'downloading':
      return 'busy'
    default:
      return 'check'
  }
}

/**
 * What the person is told after an event. Background checks stay silent (log lines
 * only): a modal dialog over a live show is exactly the interruption to avoid. A check
 * the person asked for always gets an answer.
 */
export function feedbackFor(before: UpdatePhase, event: UpdateEvent, currentVersion: string): UpdateFeedback {
  const manual = (before.kind === 'checking' || before.kind === 'downloading') && before.manual
  if (!manual) return { kind: 'none' }
  switch (event.type) {
    case 'not-available':
      return {
        kind: 'dialog',
        type: 'info',
        message: 'WebTV Studio is up to date.',
        detail: `Version ${currentVersion} is the newest release.`
      }
    case 'available':
      return {
        kind: 'dialog',
        type: 'info',
        message: `WebTV Studio ${event.version} is available.`,
        detail:
          'It downloads in the background and installs the next time you quit the studio. Nothing on air is interrupted.'
      }
    case 'error':
      return {
        kind: 'dialog',
        type: 'error',
        message: 'Could not check for updates.',
        detail: `${event.message}\n\nCheck the internet connection and try again; the studio keeps working meanwhile.`
      }
    default:
      return { kind: 'none' }
  }
}

/** The updater's error as one short line (its messages can carry whole HTTP bodies). */
export function updaterErrorLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  const first = text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error'
  return first.length > 300 ? `${first.slice(0, 300)}…` : first
}

/** Names of the channels on air, from the engine's observations (anything but offline counts). */
export function channelsOnAir(observed: ReadonlyArray<{ name: string; state: string }>): string[] {
  return observed.filter((c) => c.state !== 'offline').map((c) => c.name)
}

function onAirPhrase(names: readonly string[]): string {
  if (names.length === 1) return `“${names[0]}” is on air`
  const quoted = names.map((n) => `“${n}”`)
  return `${names.length} channels are on air (${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)})`
}

export type RestartDecision = { action: 'install' } | { action: 'defer'; message: string; detail: string }

/** "Restart to Install": only when nothing is on air; otherwise it waits for the next quit. */
export function decideRestartToUpdate(o: { version: string; onAir: readonly string[] }): RestartDecision {
  if (o.onAir.length === 0) return { action: 'install' }
  return {
    action: 'defer',
    message: `Update ${o.version} will install later: ${onAirPhrase(o.onAir)}.`,
    detail:
      'Restarting now would cut the stream. The update installs by itself the next time you quit WebTV Studio; ' +
      'or stop the stream and choose Restart to Install again.'
  }
}

export type QuitDecision =
  | { action: 'quit' }
  | { action: 'ask'; message: string; detail: string; buttons: [string, string]; defaultId: 1; cancelId: 1 }

/**
 * Quitting stops every channel this studio airs, so with one on air the studio asks
 * first (as OBS does), naming the channels; Cancel is the default button.
 */
export function decideQuit(o: { onAir: readonly string[]; confirmed: boolean; pendingUpdate?: string }): QuitDecision {
  if (o.onAir.length === 0 || o.confirmed) return { action: 'quit' }
  const update = o.pendingUpdate ? ` Update ${o.pendingUpdate} installs as the studio quits.` : ''
  return {
    action: 'ask',
    message: `${onAirPhrase(o.onAir)}. Quit anyway?`,
    detail: `Quitting stops the stream for every viewer and destination.${update}`,
    buttons: ['Stop Streaming and Quit', 'Cancel'],
    defaultId: 1,
    cancelId: 1
  }
}

/**
 * Whether closing this window quits the app: on macOS the app stays open without
 * windows (and keeps airing); elsewhere closing the last window quits, so that close
 * must ask first while on air.
 */
export function closingWindowQuits(platform: NodeJS.Platform, openWindows: number): boolean {
  return platform !== 'darwin' && openWindows <= 1
}
