import type { Session } from 'electron'
import { originOf } from './trust'

/**
 * What a page may be granted: fullscreen (the monitor's fullscreen button), and
 * notifications for our own pages only — the studio tells an operator who looked away
 * that a stream dropped. No camera, microphone, geolocation or anything else: the
 * studio needs none.
 */
export function allowsPermission(
  permission: string,
  requestingUrl: string | undefined,
  trustedOrigins: string[]
): boolean {
  if (permission === 'fullscreen') return true
  if (permission === 'notifications') {
    const origin = requestingUrl ? originOf(requestingUrl) : undefined
    return origin !== undefined && trustedOrigins.includes(origin)
  }
  return false
}

type RequestHandler = Parameters<Session['setPermissionRequestHandler']>[0] & {}

/** The session's permission request handler, built on allowsPermission. */
export function permissionRequestHandler(trustedOrigins: string[]): RequestHandler {
  return (webContents, permission, callback, details) => {
    const url = details?.requestingUrl || webContents?.getURL()
    callback(allowsPermission(permission, url, trustedOrigins))
  }
}

/** Install it on a session (the default session in index.ts). */
export function lockDownPermissions(session: Session, trustedOrigins: string[]): void {
  session.setPermissionRequestHandler(permissionRequestHandler(trustedOrigins))
}
