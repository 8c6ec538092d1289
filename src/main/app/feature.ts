import type { Feature } from '../core/core'
import { describeTools } from '../media/ffmpeg-path'

export const appFeature: Feature = (ctx) => ({
  'app.ping': ({ echo }) => (echo === undefined ? { serverTime: Date.now() } : { echo, serverTime: Date.now() }),
  'app.info': () => ({
    version: ctx.version,
    shell: ctx.shell,
    dataDir: ctx.dataDir,
    platform: process.platform,
    startedAt: ctx.startedAt,
    tools: describeTools()
  })
})
