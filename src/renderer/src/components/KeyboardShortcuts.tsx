import { useEffect, useSyncExternalStore } from 'react'
import type { ShotStatus } from '../../../shared/contract/library'
import { errorMessage, getClient } from '../api/bridge'
import { AIR_STATE_TEXT } from '../lib/air-text'
import { SHORTCUTS, WIDGET_KEYS, formatChord, shortcuts, type ShortcutGroup } from '../lib/shortcuts'
import { platform, useShortcut, useShortcutListener, useShortcuts } from '../lib/use-shortcut'
import { useChannels } from '../stores/channels'
import { shotAt, useLibrary } from '../stores/library'
import { notifyFailure } from '../stores/notices'
import { useChannelAir, useOnAir } from '../stores/onair'
import { usePreview } from '../stores/preview'
import { useShortcutsUi } from '../stores/shortcuts'
import { useTimeline } from '../stores/timeline'
import { ModalDialog } from './ModalDialog'

interface TargetShot {
  id: number
  status: ShotStatus
  approved: boolean
}

/**
 * The shot a shortcut acts on: the focused shot card (library or timeline), else the
 * shot in the preview — the same one the mouse would act on from where the focus is.
 */
function targetShot(): TargetShot | null {
  const active = document.activeElement
  const card = active instanceof HTMLElement ? active.closest<HTMLElement>('[data-shot-id]') : null
  const preview = usePreview.getState().shot
  if (!card) return preview
  const id = Number(card.dataset.shotId)
  if (preview?.id === id) return preview
  if (card.dataset.itemId !== undefined) {
    const item = useTimeline.getState().items.find((i) => i.itemId === Number(card.dataset.itemId))
    return item ? { id, status: item.status, approved: item.approved } : null
  }
  const shot = card.dataset.index !== undefined ? shotAt(useLibrary.getState(), Number(card.dataset.index)) : undefined
  return shot?.id === id ? shot : null
}

async function setApproved(shot: TargetShot, approved: boolean): Promise<void> {
  const { announce } = useShortcutsUi.getState()
  try {
    const updated = await getClient().bridge.invoke('library.shots.update', { id: shot.id, approved })
    // The library and timeline follow the core's change event; the preview shows it at once.
    if (usePreview.getState().shotId === updated.id) usePreview.setState({ shot: updated })
    announce(`Shot ${shot.id} ${approved ? 'approved' : 'rejected'}`)
  } catch (err) {
    notifyFailure(`Could not ${approved ? 'approve' : 'reject'} shot ${shot.id}`, err)
    announce(`Shot ${shot.id} not changed: ${errorMessage(err)}`)
  }
}

const STILL_MAKING: Partial<Record<ShotStatus, string>> = {
  pending: 'is still waiting to be made',
  queued: 'is still queued',
  conforming: 'is still conforming'
}

/**
 * The shot a review shortcut may act on, or null after saying why not: a shot that is
 * still being made (or failed) has nothing to review yet, and the key must not vanish silently.
 */
function readyShot(verb: string): TargetShot | null {
  const shot = targetShot()
  if (!shot) return null
  if (shot.status === 'ready') return shot
  const why = STILL_MAKING[shot.status]
  useShortcutsUi
    .getState()
    .refuse(
      why
        ? `Shot ${shot.id} ${why}: ${verb} it once it is ready.`
        : `Shot ${shot.id} failed: there is nothing to ${verb}. Regenerate or remove it.`
    )
  return null
}

function previewVideo(): HTMLVideoElement | null {
  return document.querySelector<HTMLVideoElement>('video[data-testid="preview-video"]')
}

/** Focus the library's search field once the studio view has rendered it. */
function focusSearch(framesLeft = 10): void {
  const input = document.getElementById('library-search')
  if (input instanceof HTMLInputElement) {
    input.focus()
    input.select()
  } else if (framesLeft > 0) requestAnimationFrame(() => focusSearch(framesLeft - 1))
}

/** The studio's own shortcuts, the `?` overlay and the Go Live confirmation. Mounted once in App. */
export function KeyboardShortcuts({ inStudio, showStudio }: { inStudio: boolean; showStudio: () => void }) {
  const helpOpen = useShortcutsUi((s) => s.helpOpen)
  const confirmAirFor = useShortcutsUi((s) => s.confirmAirFor)
  const announcement = useShortcutsUi((s) => s.announcement)
  const refusal = useShortcutsUi((s) => s.refusal)
  const { setHelpOpen, askAir, announce } = useShortcutsUi.getState()
  // The on-screen copy of a refusal goes after a few seconds (the live region keeps the text).
  useEffect(() => {
    if (!refusal) return
    const timer = setTimeout(() => useShortcutsUi.setState({ refusal: '' }), 5000)
    return () => clearTimeout(timer)
  }, [refusal])

  // A timeline card picked up with Space owns the keys until it is dropped.
  useShortcutListener(() => useTimeline.getState().lifted !== null)

  useShortcut(
    'preview.playPause',
    () => {
      const video = previewVideo()
      if (!video) return
      if (video.paused) void video.play().catch(() => {})
      else video.pause()
    },
    () => inStudio && previewVideo() !== null
  )
  useShortcut(
    'shot.approve',
    () => {
      const shot = readyShot('approve')
      if (shot) void setApproved(shot, true)
    },
    () => inStudio && targetShot() !== null
  )
  useShortcut(
    'shot.reject',
    () => {
      const shot = readyShot('reject')
      if (shot) void setApproved(shot, false)
    },
    () => inStudio && targetShot() !== null
  )
  useShortcut(
    'shot.addToTimeline',
    () => {
      const shot = readyShot('add')
      if (!shot) return
      void useTimeline.getState().insert([shot.id])
      announce(`Shot ${shot.id} added to the end of the timeline`)
    },
    () => inStudio && targetShot() !== null && useTimeline.getState().channelId !== null
  )
  useShortcut(
    'air.toggle',
    () => askAir(useChannels.getState().selectedId),
    () => {
      const id = useChannels.getState().selectedId
      return id !== null && useOnAir.getState().status[id] !== undefined
    }
  )
  // Available everywhere, Settings included.
  useShortcuts({
    'library.search': () => {
      if (!inStudio) showStudio()
      focusSearch()
    },
    'help.shortcuts': () => setHelpOpen(!useShortcutsUi.getState().helpOpen)
  })

  return (
    <>
      <p className="sr-only" role="status" aria-live="polite" data-testid="shortcut-announcement">
        {announcement}
      </p>
      {refusal && (
        // Already read out by the live region above: hidden from screen readers to say it once.
        <p className="shortcut-refusal" aria-hidden="true" data-testid="shortcut-refusal">
          {refusal}
        </p>
      )}
      {helpOpen && <ShortcutsHelp onClose={() => setHelpOpen(false)} />}
      {confirmAirFor !== null && <ConfirmAirDialog channelId={confirmAirFor} onClose={() => askAir(null)} />}
    </>
  )
}

/** The header's way into the overlay, for whoever has not met `?` yet. */
export function ShortcutsButton() {
  const setHelpOpen = useShortcutsUi((s) => s.setHelpOpen)
  return (
    <button
      type="button"
      className="btn ghost small"
      title="Keyboard shortcuts (?)"
      aria-label="Keyboard shortcuts"
      onClick={() => setHelpOpen(true)}
    >
      ⌨ ?
    </button>
  )
}

function Keys({ chord }: { chord: string }) {
  return (
    <span className="chord">
      {formatChord(chord, platform).map((cap, i) => (
        <kbd key={i}>{cap}</kbd>
      ))}
    </span>
  )
}

const GROUPS: ShortcutGroup[] = ['Preview and review', 'Library and timeline', 'Edit', 'On air', 'Help']

function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  // Which shortcuts have a handler right now (Undo/Redo come with the undo feature).
  const boundIds = useSyncExternalStore(
    (cb) => shortcuts.subscribe(cb),
    () =>
      SHORTCUTS.filter((d) => shortcuts.isBound(d.id))
        .map((d) => d.id)
        .join(',')
  )
  const bound = new Set(boundIds.split(','))
  return (
    <ModalDialog
      labelledBy="shortcuts-title"
      className="shortcuts-help"
      onClose={onClose}
      closeOnBackdrop
      testId="shortcuts-help"
    >
      <div className="modal-body">
        <div className="modal-head">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button type="button" className="btn small" data-autofocus onClick={onClose}>
            Close <kbd>Esc</kbd>
          </button>
        </div>
        <p className="muted">
          Shortcuts act on the focused shot card, or else on the shot in the preview. They never fire while you type in
          a field.
        </p>
        <div className="shortcut-groups">
          {GROUPS.map((group) => (
            <section key={group} aria-labelledby={`sc-${group}`}>
              <h3 id={`sc-${group}`}>{group}</h3>
              <dl>
                {SHORTCUTS.filter((d) => d.group === group).map((d) => (
                  <div
                    key={d.id}
                    className={bound.has(d.id) ? 'shortcut' : 'shortcut unavailable'}
                    data-testid="shortcut-row"
                    data-shortcut-id={d.id}
                  >
                    <dt>
                      {d.label}
                      {!bound.has(d.id) && <span className="muted"> (not available yet)</span>}
                    </dt>
                    <dd>
                      {shortcuts.keysFor(d.id, platform).map((k, i) => (
                        <span key={k}>
                          {i > 0 && <span className="muted"> or </span>}
                          <Keys chord={k} />
                        </span>
                      ))}
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
          <section aria-labelledby="sc-focused">
            <h3 id="sc-focused">On a focused shot</h3>
            <dl>
              {WIDGET_KEYS.map((w) => (
                <div key={w.label} className="shortcut">
                  <dt>{w.label}</dt>
                  <dd>
                    <kbd>{w.keys}</kbd>
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        </div>
      </div>
    </ModalDialog>
  )
}

/**
 * Go Live / End Stream from the keyboard, after a confirmation. It only sends the request:
 * the badge and the On Air panel show STARTING / LIVE when the engine reports them.
 */
function ConfirmAirDialog({ channelId, onClose }: { channelId: number; onClose: () => void }) {
  const channel = useChannels((s) => s.channels.find((c) => c.id === channelId))
  const air = useChannelAir(channelId)
  const requesting = useOnAir((s) => s.requesting[channelId])
  const name = channel?.name ?? `channel ${channelId}`
  const state = air?.state
  const action = requesting
    ? null
    : state === 'offline' || state === 'error'
      ? 'start'
      : state === 'live' || state === 'reconnecting' || state === 'starting'
        ? 'stop'
        : null
  const destinations = air?.destinations.filter((d) => d.enabled).length ?? 0

  function confirm(): void {
    if (action === 'start') void useOnAir.getState().start(channelId)
    else if (action === 'stop') void useOnAir.getState().stop(channelId)
    onClose()
  }

  return (
    <ModalDialog labelledBy="air-confirm-title" className="air-confirm" onClose={onClose} testId="air-confirm">
      <div className="modal-body">
        <h2 id="air-confirm-title">
          {action === 'start'
            ? `Go live with “${name}”?`
            : action === 'stop'
              ? `End the stream of “${name}”?`
              : `“${name}” is busy`}
        </h2>
        <p>
          The engine reports:{' '}
          <strong data-testid="air-confirm-state">{state ? AIR_STATE_TEXT[state] : 'unknown'}</strong>.
        </p>
        {action === 'start' && (
          <p>
            The timeline airs on the studio&apos;s own server
            {destinations > 0 ? ` and ${destinations} destination${destinations === 1 ? '' : 's'}` : ''}. The badge
            shows LIVE once the engine is on air.
          </p>
        )}
        {action === 'stop' && <p>Viewers and destinations stop receiving the channel.</p>}
        {action === null && <p>Wait until the engine has finished starting or stopping.</p>}
        <div className="modal-actions">
          <button type="button" className="btn" data-autofocus onClick={onClose}>
            Cancel
          </button>
          {action !== null && (
            <button type="button" className={action === 'start' ? 'btn golive' : 'btn endstream'} onClick={confirm}>
              {action === 'start' ? 'Go Live' : 'End Stream'}
            </button>
          )}
        </div>
      </div>
    </ModalDialog>
  )
}
