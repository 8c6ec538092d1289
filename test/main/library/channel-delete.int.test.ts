/**
 * Issue 19 finding 1: a deleted channel leaves nothing for a later one. Repro from the
 * issue: create A and B, give B a destination with a key, backend and ComfyUI
 * settings, output settings, HLS and recording folders; delete B; create C (named
 * "B" again, so it even gets B's stream name): nothing of B is reachable from C, and
 * no key of B is anywhere in the data folder (outside the dated trash its recordings
 * went to, like its clips).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { SECRETS } from '../../../src/main/services'
import { keySecretName } from '../../../src/main/onair/destinations'
import { streamNameFor } from '../../../src/main/onair/timeline'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const KEY = 'live_b_9f8e7d6c5b4a'
const COMFY = 'http://10.9.9.9:8188'

function grepDir(dir: string, needle: string, skip: string[] = []): string[] {
  const hits: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (skip.includes(p)) continue
    if (statSync(p).isDirectory()) hits.push(...grepDir(p, needle, skip))
    else if (readFileSync(p).includes(needle)) hits.push(p)
  }
  return hits
}

describe('deleting a channel', () => {
  it('removes everything keyed by it: a new channel inherits no destination, key, setting or folder', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const core = await openCore(join(t.dir, 'data'))
    cleanups.push(() => core.close())
    const a = await callCore(core, 'library.channels.create', { name: 'A' })
    const b = await callCore(core, 'library.channels.create', { name: 'B' })
    const dest = await callCore(core, 'onair.destinations.add', {
      channelId: b.id,
      kind: 'rtmp',
      name: 'B ingest',
      url: `rtmp://ingest.example.org/app/${KEY}`
    })
    await callCore(core, 'onair.destinations.add', {
      channelId: a.id,
      kind: 'rtmp',
      name: 'A ingest',
      url: 'rtmp://ingest.example.org/app/live_a_0123456789'
    })
    await callCore(core, 'generation.backends.set', {
      channelId: b.id,
      settings: { comfyui: { endpoints: [{ url: COMFY, concurrency: 1, sendToken: false }] }, maxAttempts: 9 }
    })
    await callCore(core, 'outputs.settings.update', { channelId: b.id, hls: true, record: true })
    const stream = streamNameFor(b)
    mkdirSync(join(core.dataDir, 'hls', stream), { recursive: true })
    writeFileSync(join(core.dataDir, 'hls', stream, 'index.m3u8'), '#EXTM3U\n')
    mkdirSync(join(core.dataDir, 'recordings', stream), { recursive: true })
    writeFileSync(join(core.dataDir, 'recordings', stream, '20260101T000000Z.ts'), 'rec')
    const secrets = core.services.get(SECRETS)
    expect(await secrets.get(keySecretName(dest.id))).toBe(KEY)

    await callCore(core, 'library.channels.delete', { id: b.id })
    const c = await callCore(core, 'library.channels.create', { name: 'B' })

    expect(c.id).not.toBe(b.id)
    expect((await callCore(core, 'onair.destinations.list', { channelId: c.id })).destinations).toEqual([])
    expect((await callCore(core, 'onair.destinations.list', { channelId: a.id })).destinations).toHaveLength(1)
    const backends = await callCore(core, 'generation.backends.get', { channelId: c.id })
    expect(backends.settings.comfyui.endpoints).toEqual([])
    expect(backends.settings.maxAttempts).not.toBe(9)
    expect(await callCore(core, 'outputs.settings.get', { channelId: c.id })).toEqual(
      await callCore(core, 'outputs.settings.get', { channelId: a.id })
    )
    expect(await secrets.get(keySecretName(dest.id))).toBeUndefined()
    expect(existsSync(join(core.dataDir, 'hls', stream))).toBe(false)
    expect(existsSync(join(core.dataDir, 'recordings', stream))).toBe(false)

    await core.close()
    const trash = join(core.dataDir, 'trash')
    for (const needle of [KEY, COMFY, '"maxAttempts":9', `generation.backends.${b.id}`])
      expect(grepDir(core.dataDir, needle, [trash]), needle).toEqual([])
  })

  it('a sweep at start forgets what a process without the on-air or generation features left behind', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const dataDir = join(t.dir, 'data')
    {
      const core = await openCore(dataDir)
      const b = await callCore(core, 'library.channels.create', { name: 'B' })
      await callCore(core, 'onair.destinations.add', {
        channelId: b.id,
        kind: 'rtmp',
        url: `rtmp://ingest.example.org/app/${KEY}`
      })
      await callCore(core, 'generation.backends.set', { channelId: b.id, settings: { maxAttempts: 9 } })
      // Deleted behind the features' backs (as before this fix, or by a crash before the cleanup ran).
      core.services.get((await import('../../../src/main/services')).LIBRARY).deleteChannel(b.id)
      await core.close()
    }
    const core = await openCore(dataDir)
    cleanups.push(() => core.close())
    // The on-air sweep deletes keys asynchronously; closing waits for it (a short CLI command
    // closes right after start: the keys must not be left behind with no destination naming them).
    await core.close()
    expect(grepDir(dataDir, KEY)).toEqual([])
    expect(grepDir(dataDir, '"maxAttempts":9')).toEqual([])
  })
})
