/**
 * Issue 12 item 10: a URL's password is never echoed in an error; a destination URL's
 * query string (some ingests carry a token there) survives an update and is kept with
 * the key as a secret — never in the settings file or the target the UI shows.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { openStudio } from '../../../src/main/studio'
import { callCore } from '../../../src/main/cli/open-core'
import { StudioError } from '../../../src/shared/contract'
import { FileSecretStore } from '../../../src/main/secrets/store'
import { destinationUrl, keySecretName, parseRtmpUrl } from '../../../src/main/onair/destinations'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function studio(): Promise<{ core: Core; dataDir: string; channelId: number }> {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
  cleanups.push(() => core.close())
  const ch = await callCore(core, 'library.channels.create', { name: 'Dest' })
  return { core, dataDir: t.dir, channelId: ch.id }
}

describe('destination URLs', () => {
  it('refuses user:password@ without echoing the password', async () => {
    const { core, channelId } = await studio()
    const err = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      url: 'rtmp://bob:hunter2secret@ingest.example/app/key'
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StudioError)
    expect((err as StudioError).message).toMatch(/user name or password/)
    expect((err as StudioError).message).not.toMatch(/hunter2secret/)
    expect(() => parseRtmpUrl('rtmp://bob:hunter2secret@h:99999/app')).toThrow(/^(?!.*hunter2secret)/)
  })

  it('keeps a query string on add and on update, as part of the secret', async () => {
    const { core, dataDir, channelId } = await studio()
    const added = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      url: 'rtmp://ingest.example/app?auth=FIRSTTOKEN'
    })
    expect(added.target).toBe('rtmp://ingest.example/app')
    expect(added.keyMasked).not.toMatch(/FIRSTTOKEN/)
    const secrets = new FileSecretStore(dataDir)
    expect(await secrets.get(keySecretName(added.id))).toBe('?auth=FIRSTTOKEN')

    const withKey = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      url: 'rtmp://ingest.example/app/streamkey1'
    })
    const updated = await callCore(core, 'onair.destinations.update', {
      id: withKey.id,
      url: 'rtmp://ingest2.example/live?token=SECONDTOKEN'
    })
    expect(updated.target).toBe('rtmp://ingest2.example/live')
    expect(JSON.stringify(updated)).not.toMatch(/SECONDTOKEN|streamkey1/)
    const key = await secrets.get(keySecretName(withKey.id))
    expect(key).toBe('streamkey1?token=SECONDTOKEN')
    expect(
      destinationUrl(
        { id: withKey.id, channelId, kind: 'rtmp', name: 'x', target: updated.target, enabled: true },
        key!
      )
    ).toBe('rtmp://ingest2.example/live/streamkey1?token=SECONDTOKEN')
    expect(
      destinationUrl(
        { id: added.id, channelId, kind: 'rtmp', name: 'x', target: added.target, enabled: true },
        '?auth=FIRSTTOKEN'
      )
    ).toBe('rtmp://ingest.example/app?auth=FIRSTTOKEN')
    // The settings file holds no secret part.
    expect(readFileSync(join(dataDir, 'onair', 'destinations.json'), 'utf8')).not.toMatch(/TOKEN|streamkey1/)
  })
})
