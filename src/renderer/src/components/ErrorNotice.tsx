/**
 * The one inline error line of the studio: announced to screen readers as an alert,
 * and nothing at all when there is no message, so callers need no `{error && …}`.
 */
export function ErrorNotice({ message, small }: { message: string | null | undefined | false; small?: boolean }) {
  if (!message) return null
  return (
    <p className={small ? 'error-text small' : 'error-text'} role="alert">
      {message}
    </p>
  )
}
