import type { CliCommand } from './command'
import { resolveDataDir } from '../core/data-dir'
import { runDoctor } from '../media/doctor'
import { DEFAULT_SERVE_PORT } from './serve'

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check ffmpeg, encoders, the data folder and ports',
  usage: 'webtv doctor [--data-dir DIR] [--json]',
  async run(ctx) {
    const dataDir = resolveDataDir({ flag: ctx.global.dataDir })
    const checks = await runDoctor({
      dataDir,
      ports: [
        { port: DEFAULT_SERVE_PORT, setting: 'webtv serve --port', what: 'studio UI' },
        { port: 1935, setting: 'the RTMP port in Settings (onair.rtmpPort)', what: 'local RTMP server' },
        { port: 8711, setting: 'the HTTP-FLV port in Settings (onair.httpPort)', what: 'local HTTP-FLV server' }
      ]
    })
    const failed = checks.filter((c) => !c.ok)
    if (ctx.global.json) {
      ctx.io.out(JSON.stringify({ ok: failed.length === 0, checks }))
    } else {
      for (const c of checks) {
        ctx.io.out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`)
        if (!c.ok && c.fix) ctx.io.out(`      → ${c.fix}`)
      }
      ctx.io.out(failed.length === 0 ? 'Everything the studio needs is here.' : `${failed.length} problem(s) found.`)
    }
    return failed.length === 0 ? 0 : 1
  }
}
