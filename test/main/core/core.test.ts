import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Core, type Feature } from '../../../src/main/core/core'

describe('Core.open', () => {
  const dirs: string[] = []
  const dataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'webtv-core-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const opts = (): { dataDir: string; shell: 'headless'; version: string } => ({
    dataDir: dataDir(),
    shell: 'headless',
    version: '0.0.0'
  })

  it('refuses a handler name two features serve, naming the handler and both features', async () => {
    const closed: string[] = []
    const pingFeature: Feature = (ctx) => {
      ctx.onClose(() => void closed.push('ping'))
      return { 'app.ping': () => ({ serverTime: 1 }) }
    }
    const otherPingFeature: Feature = () => ({ 'app.ping': () => ({ serverTime: 2 }) })
    await expect(Core.open(opts(), [pingFeature, otherPingFeature])).rejects.toThrow(
      /"app\.ping" is registered twice: by pingFeature and by otherPingFeature/
    )
    // The half-opened core was shut down: the first feature's closer ran.
    expect(closed).toEqual(['ping'])
  })

  it('opens with distinct handler names and serves each', async () => {
    const pingFeature: Feature = () => ({ 'app.ping': ({ echo }) => ({ echo, serverTime: 1 }) })
    const emptyFeature: Feature = () => ({})
    const core = await Core.open(opts(), [pingFeature, emptyFeature])
    try {
      expect(await core.dispatch('app.ping', { echo: 'x' })).toEqual({ ok: true, value: { echo: 'x', serverTime: 1 } })
    } finally {
      await core.close()
    }
  })

  it('refuses a duplicate registered directly, keeping the first handler', async () => {
    const core = await Core.open(opts(), [])
    try {
      core.register({ 'app.ping': () => ({ serverTime: 1 }) }, 'first')
      expect(() => core.register({ 'app.ping': () => ({ serverTime: 2 }) }, 'second')).toThrow(/by first and by second/)
      expect(await core.dispatch('app.ping', {})).toMatchObject({ ok: true, value: { serverTime: 1 } })
    } finally {
      await core.close()
    }
  })
})
