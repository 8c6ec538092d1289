import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * Every ffmpeg/ffprobe the studio starts goes through src/main/media/ffmpeg-runner.ts
 * (on top of process/spawn-child.ts, which holds the watchdog). This scans the
 * sources for the ways around it: importing child_process, importing spawnChild /
 * execChild, or resolving a tool's path to run it yourself.
 */
const repoRoot = join(__dirname, '..', '..', '..')
const RUNNER = 'src/main/media/ffmpeg-runner.ts'
const SPAWN_CHILD = 'src/main/process/spawn-child.ts'
const TOOL_PATHS = 'src/main/media/ffmpeg-path.ts'

const rules: Array<{ what: string; allowed: readonly string[]; found: (source: string) => boolean }> = [
  {
    what: 'imports child_process (start ffmpeg/ffprobe through media/ffmpeg-runner.ts)',
    // server/live-handoff.ts forks the watch page's stream relay (our own Node script, handed sockets),
    // never ffmpeg: the third rule still catches it if it ever resolved ffmpeg's path.
    allowed: [RUNNER, SPAWN_CHILD, 'src/main/server/live-handoff.ts'],
    found: (s) =>
      // A value import (not `import type`, not only `type X` names), a require() or a dynamic import().
      /^import\s+(?!type\b)(?!\{\s*(?:type\s+\w+\s*,?\s*)+\}\s*from)[^;]*?from\s+['"](?:node:)?child_process['"]/m.test(
        s
      ) || /\b(?:require|import)\(\s*['"](?:node:)?child_process['"]\s*\)/.test(s)
  },
  {
    what: 'imports spawnChild/execChild (start ffmpeg/ffprobe through media/ffmpeg-runner.ts)',
    // voice/run-tool.ts starts the speech programs (espeak-ng, say, PowerShell), never ffmpeg:
    // the third rule still catches it if it ever resolved ffmpeg's path.
    allowed: [RUNNER, 'src/main/voice/run-tool.ts'],
    found: (s) => /import\s*\{[^}]*\b(?:spawnChild|execChild)\b[^}]*\}\s*from\s*['"][^'"]*spawn-child['"]/.test(s)
  },
  {
    what: 'resolves the ffmpeg/ffprobe path with toolPath() (let media/ffmpeg-runner.ts run it)',
    allowed: [RUNNER, TOOL_PATHS],
    found: (s) => /\btoolPath\s*\(/.test(s)
  }
]

function sources(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sources(path))
    else if (/\.(ts|tsx|mts|cts|js|mjs)$/.test(entry.name)) out.push(path)
  }
  return out
}

function offenders(files: ReadonlyArray<{ path: string; source: string }>): string[] {
  const found: string[] = []
  for (const { path, source } of files)
    for (const rule of rules) if (!rule.allowed.includes(path) && rule.found(source)) found.push(`${path} ${rule.what}`)
  return found
}

describe('one ffmpeg runner', () => {
  it('no file in src/ outside media/ffmpeg-runner.ts starts ffmpeg or ffprobe', () => {
    const files = sources(join(repoRoot, 'src')).map((file) => ({
      path: relative(repoRoot, file).split(sep).join('/'),
      source: readFileSync(file, 'utf8')
    }))
    expect(files.length).toBeGreaterThan(100)
    expect(offenders(files)).toEqual([])
  })

  it('catches each way around the runner (the scan can fail)', () => {
    const bad = [
      `import { spawn } from 'node:child_process'\nspawn('ffmpeg', [])`,
      `import { execFileSync, type ChildProcess } from 'child_process'`,
      `const cp = require('child_process')`,
      `const { spawn } = await import('node:child_process')`,
      `import { spawnChild } from '../process/spawn-child'`,
      `import { execChild, type SpawnChildOptions } from '../process/spawn-child'`,
      `const bin = toolPath('ffmpeg')`
    ]
    for (const source of bad) expect(offenders([{ path: 'src/main/onair/x.ts', source }])).toHaveLength(1)
    const fine = [
      `import type { ChildProcess } from 'node:child_process'`,
      `import { type ChildProcessWithoutNullStreams } from 'node:child_process'`,
      `import { startFfmpeg, runFfmpeg } from '../media/ffmpeg-runner'`,
      `import type { SpawnChildOptions } from '../process/spawn-child'`
    ]
    for (const source of fine) expect(offenders([{ path: 'src/main/onair/x.ts', source }])).toEqual([])
    expect(offenders([{ path: RUNNER, source: bad[0]! }])).toEqual([])
  })
})
