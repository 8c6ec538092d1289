import { hostname, networkInterfaces } from 'node:os'

/**
 * DNS-rebinding defence: a page on evil.example whose name is re-pointed at 127.0.0.1
 * reaches our port with "Host: evil.example". The studio answers only to names that
 * mean this machine: localhost, loopback literals, and — when shared on the LAN —
 * the machine's own addresses and names, the address it listens on, and names the
 * user allowed (a reverse proxy's, with --allow-host).
 */
export interface HostPolicy {
  /** Shared on the LAN (listening on 0.0.0.0/::, or a LAN address). */
  lan: boolean
  /** The address the server listens on, when it is a specific one. */
  listenHost?: string
  /** Extra host names the user allowed. */
  extra?: readonly string[]
}

/** "Example.COM:8710" → "example.com", "[::1]:80" → "::1"; undefined when malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined
  const h = header.trim().toLowerCase()
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    if (end < 0) return undefined
    const rest = h.slice(end + 1)
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined
    return h.slice(1, end)
  }
  const m = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h)
  return m ? m[1]!.replace(/\.$/, '') : undefined
}

function machineNames(): Set<string> {
  const names = new Set<string>()
  const host = hostname().toLowerCase()
  names.add(host)
  names.add(`${host}.local`)
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) names.add(a.address.toLowerCase().replace(/%.*$/, ''))
  }
  return names
}

export function isAllowedHost(header: string | undefined, policy: HostPolicy): boolean {
  const name = hostName(header)
  if (name === undefined) return false
  if (name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true
  if (policy.extra?.some((h) => h.toLowerCase() === name)) return true
  if (policy.listenHost && !['0.0.0.0', '::'].includes(policy.listenHost) && policy.listenHost.toLowerCase() === name)
    return true
  return policy.lan && machineNames().has(name)
}

export const HOST_REFUSED =
  "This studio only answers to localhost, 127.0.0.1 or [::1] (and, shared on the LAN, to this machine's own addresses). " +
  'Open it by one of those, or allow this name with `webtv serve --allow-host NAME`.'
