import { getClient } from '../api/bridge'

/** A shot's poster JPEG, or a neutral placeholder while the shot has none yet. */
export function Poster({ path, alt, className }: { path: string | null; alt: string; className?: string }) {
  if (!path) return <div className={`poster poster-empty ${className ?? ''}`} role="img" aria-label={alt} />
  return (
    <img
      className={`poster ${className ?? ''}`}
      src={getClient().bridge.mediaUrl(path)}
      alt={alt}
      loading="lazy"
      decoding="async"
      draggable={false}
    />
  )
}
