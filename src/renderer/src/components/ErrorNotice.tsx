/**
 * The one inline error line of the studio: announced to screen readers as an alert,
 * and nothing at all when there is no message, so callers need no `{error && …}`.
 */
export function ErrorNotice({ message }: { message: string | null | undefined | false }) {
  if (!message) return null
  return (
    <p className="error-text" role="alert">
      {message}
    </p>
  )
}
