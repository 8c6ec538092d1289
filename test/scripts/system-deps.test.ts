import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp'

const script = join(__dirname, '..', '..', 'scripts', 'system-deps.sh')
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

interface Machine {
  uid: number
  /** Commands this machine has besides the shell's builtins. */
  has: Array<'apt-get' | 'sudo' | 'dpkg-query'>
  installed?: string[]
}

/**
 * Runs the script on a PATH of stand-ins that log how they were called: the real
 * script and /bin/sh, a pretend machine (root or not, with or without sudo/apt-get).
 */
function run(machine: Machine, arg: string): { code: number | null; out: string; err: string; calls: string[] } {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const bin = join(t.dir, 'bin')
  const log = join(t.dir, 'calls.log')
  writeFileSync(log, '')
  const tool = (name: string, body: string): void => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  spawnSync('mkdir', [bin])
  tool('id', `[ "$1" = "-u" ] && echo ${machine.uid}`)
  symlinkSync('/usr/bin/env', join(bin, 'env'))
  if (machine.has.includes('apt-get')) tool('apt-get', `echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> ${log}`)
  if (machine.has.includes('sudo')) tool('sudo', `echo "sudo" >> ${log}; exec "$@"`)
  if (machine.has.includes('dpkg-query'))
    tool(
      'dpkg-query',
      `for p in ${(machine.installed ?? []).join(' ')}; do [ "$p" = "$3" ] && printf 'install ok installed' && exit 0; done; exit 1`
    )
  const r = spawnSync('/bin/sh', [script, arg], { env: { PATH: bin }, encoding: 'utf8' })
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean)
  return { code: r.status, out: r.stdout, err: r.stderr, calls }
}

describe('scripts/system-deps.sh (the README commands and CI install with it)', () => {
  it('as root without sudo: updates the package lists, then installs with apt-get directly', () => {
    const r = run({ uid: 0, has: ['apt-get', 'dpkg-query'] }, 'demo')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.calls).toEqual([
      'apt-get update DEBIAN_FRONTEND=noninteractive',
      'apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core espeak-ng DEBIAN_FRONTEND=noninteractive'
    ])
  })

  it('as a user with sudo: the same through sudo, only what is missing', () => {
    const r = run({ uid: 1000, has: ['apt-get', 'sudo', 'dpkg-query'], installed: ['ffmpeg', 'nginx'] }, 'test')
    expect(r.code).toBe(0)
    expect(r.calls).toEqual([
      'sudo',
      'apt-get update DEBIAN_FRONTEND=noninteractive',
      'sudo',
      'apt-get install -y --no-install-recommends chromium fonts-dejavu-core espeak-ng libnginx-mod-rtmp DEBIAN_FRONTEND=noninteractive'
    ])
  })

  it('installs nothing and needs no root when everything is there', () => {
    const r = run(
      {
        uid: 1000,
        has: ['apt-get', 'dpkg-query'],
        installed: ['ffmpeg', 'chromium', 'fonts-dejavu-core', 'espeak-ng', 'nginx', 'libnginx-mod-rtmp']
      },
      'test'
    )
    expect(r.code).toBe(0)
    expect(r.calls).toEqual([])
    expect(r.out).toContain('already installed')
  })

  it('a user without sudo is told to run it as root, and nothing runs', () => {
    const r = run({ uid: 1000, has: ['apt-get', 'dpkg-query'] }, 'demo')
    expect(r.code).toBe(1)
    expect(r.err).toContain('sudo is not installed. Run this as root')
    expect(r.calls).toEqual([])
  })

  it('without apt-get it names the packages to install another way', () => {
    const r = run({ uid: 0, has: [] }, 'demo')
    expect(r.code).toBe(1)
    expect(r.err).toContain('no apt-get here')
    expect(r.err).toContain('ffmpeg fonts-dejavu-core')
  })

  it('an unknown argument prints the usage', () => {
    const r = run({ uid: 0, has: ['apt-get'] }, 'everything')
    expect(r.code).toBe(2)
    expect(r.err).toContain('usage: sh scripts/system-deps.sh demo|test')
    expect(r.calls).toEqual([])
  })
})
