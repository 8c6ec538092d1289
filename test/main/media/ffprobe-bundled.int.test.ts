/**
 * Issue 12 item 11: a clean desktop has no ffprobe anywhere; the bundled one
 * (@ffprobe-installer) must be found, and doctor/Settings must say which binary each
 * tool is and where it came from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, readdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { findOnPath, resolveTool, describeTools, unpackedPath } from '../../../src/main/media/ffmpeg-path'
import { runWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { makeClip } from '../../fixtures/media'

let tmp: ReturnType<typeof tempDir>
let onlyFfmpeg: string
const systemFfmpeg = findOnPath('ffmpeg')!

beforeAll(() => {
  tmp = tempDir()
  // A PATH with ffmpeg on it and no ffprobe, like a desktop where only ffmpeg came bundled.
  onlyFfmpeg = join(tmp.dir, 'bin')
  mkdirSync(onlyFfmpeg)
  symlinkSync(systemFfmpeg, join(onlyFfmpeg, process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg'))
})
afterAll(() => tmp.cleanup())

describe('ffprobe resolution', () => {
  it('WEBTV_FFPROBE → beside WEBTV_FFMPEG → bundled package → PATH', () => {
    const bundled = resolveTool('ffprobe', { PATH: onlyFfmpeg })
    expect(bundled.source).toBe('ffprobe-installer')
    expect(bundled.path).toMatch(/@ffprobe-installer[\\/][a-z0-9]+-[a-z0-9]+[\\/]ffprobe(\.exe)?$/)

    const probeDir = join(tmp.dir, 'own')
    mkdirSync(probeDir)
    const own = join(probeDir, 'ffprobe')
    writeFileSync(own, '#!/bin/sh\n')
    chmodSync(own, 0o755)
    expect(resolveTool('ffprobe', { PATH: onlyFfmpeg, WEBTV_FFPROBE: own })).toEqual({ path: own, source: 'env' })
    writeFileSync(join(probeDir, 'ffmpeg'), '#!/bin/sh\n')
    expect(resolveTool('ffprobe', { PATH: onlyFfmpeg, WEBTV_FFMPEG: join(probeDir, 'ffmpeg') })).toEqual({
      path: own,
      source: 'beside-ffmpeg'
    })
    // ffmpeg from PATH with its own ffprobe beside it: the matching pair wins over the bundled one.
    expect(resolveTool('ffprobe', { PATH: `${onlyFfmpeg}${delimiter}${probeDir}` }).source).toBe('ffprobe-installer')
    expect(resolveTool('ffprobe', { PATH: probeDir })).toEqual({ path: own, source: 'beside-ffmpeg' })
    expect(() => resolveTool('ffprobe', { PATH: onlyFfmpeg, WEBTV_FFPROBE: join(probeDir, 'missing') })).toThrow(
      /WEBTV_FFPROBE points at .*missing, which does not exist/
    )

    const tools = describeTools({ PATH: onlyFfmpeg })
    expect(tools.find((t) => t.name === 'ffprobe')).toMatchObject({
      path: bundled.path,
      source: 'bundled (@ffprobe-installer)',
      error: null
    })
    expect(tools.find((t) => t.name === 'ffmpeg')!.source).toMatch(/bundled \(ffmpeg-static\)|found on PATH/)
  })

  it('rewrites app.asar to app.asar.unpacked for the packaged app', () => {
    expect(
      unpackedPath(
        '/Applications/WebTV Studio.app/Contents/Resources/app.asar/node_modules/@ffprobe-installer/darwin-arm64/ffprobe'
      )
    ).toBe(
      '/Applications/WebTV Studio.app/Contents/Resources/app.asar.unpacked/node_modules/@ffprobe-installer/darwin-arm64/ffprobe'
    )
  })

  it('webtv import works with no ffprobe on PATH, and doctor names each binary and its source', async () => {
    const dataDir = join(tmp.dir, 'data')
    const env = { PATH: onlyFfmpeg, WEBTV_FFMPEG: '', WEBTV_FFPROBE: '' }
    let r = await runWebtv(['channel', 'create', 'Bare', '--size', '320x180', '--fps', '12', '--data-dir', dataDir], {
      env
    })
    expect(r.code, r.stderr).toBe(0)
    const clip = makeClip(tmp.dir, { seconds: 1, audio: {} })
    r = await runWebtv(['import', '--channel', 'Bare', '--json', clip, '--data-dir', dataDir], {
      env,
      timeoutMs: 120_000
    })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(JSON.parse(r.stdout.trim()) as { shotId?: number }).toHaveProperty('shotId')
    r = await runWebtv(['doctor', '--data-dir', dataDir], { env })
    expect(r.stdout).toMatch(/ok\s+ffprobe: .*@ffprobe-installer.*ffprobe \(.*bundled \(@ffprobe-installer\)\)/)
    expect(r.stdout).toMatch(/ok\s+ffmpeg: .*ffmpeg \(.*(found on PATH|bundled \(ffmpeg-static\))\)/)
  }, 180_000)

  it.runIf(process.platform !== 'win32')(
    'doctor checks that ffprobe can read MPEG-TS (what clips air as)',
    async () => {
      const dataDir = join(tmp.dir, 'doctor-data')
      let r = await runWebtv(['doctor', '--data-dir', dataDir])
      expect(r.stdout).toMatch(/ok\s+ffprobe reads MPEG-TS: yes/)
      const crashing = join(tmp.dir, 'crashing-ffprobe')
      writeFileSync(
        crashing,
        '#!/bin/sh\ncase "$*" in *-version*) echo "ffprobe version 6.1-fake";; *) kill -SEGV $$;; esac\n'
      )
      chmodSync(crashing, 0o755)
      r = await runWebtv(['doctor', '--data-dir', dataDir], { env: { WEBTV_FFPROBE: crashing } })
      expect(r.code).toBe(1)
      expect(r.stdout).toMatch(
        /FAIL\s+ffprobe reads MPEG-TS: .*crashing-ffprobe cannot read MPEG-TS: it crashed \(SIGSEGV\)/
      )
      expect(r.stdout).toMatch(/WEBTV_FFPROBE/)
      expect(readdirSync(dataDir).filter((n) => n.startsWith('doctor-check'))).toEqual([])
    },
    120_000
  )
})
