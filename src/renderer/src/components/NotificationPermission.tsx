import { useEffect } from 'react'
import { useNotifications } from '../stores/notifications'

/**
 * A browser on `webtv serve` asks before it shows notifications, and only on a click:
 * this offers that click, once, where the operator goes live. Hidden in the desktop
 * app (main shows OS notifications there), once answered, or when put off.
 */
export function NotificationPermission() {
  const permission = useNotifications((s) => s.permission)
  const dismissed = useNotifications((s) => s.promptDismissed)
  const request = useNotifications((s) => s.requestPermission)
  const dismiss = useNotifications((s) => s.dismissPrompt)
  useEffect(() => useNotifications.getState().refresh(), [])
  if (permission === 'denied' && !dismissed)
    return (
      <p className="notify-prompt muted" data-testid="notify-prompt" data-permission="denied">
        This browser blocks notifications from the studio; allow them in the site settings to hear when a stream drops.{' '}
        <button type="button" className="btn small ghost" onClick={dismiss}>
          OK
        </button>
      </p>
    )
  if (permission !== 'default' || dismissed) return null
  return (
    <div className="notify-prompt" data-testid="notify-prompt" data-permission="default">
      <span>Get a notification when a stream drops, a channel errors, the runway runs short or a job fails.</span>
      <button type="button" className="btn small" onClick={() => void request()}>
        Allow notifications
      </button>
      <button type="button" className="btn small ghost" onClick={dismiss}>
        Not now
      </button>
    </div>
  )
}
