import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp'

const script = resolve(__dirname, '../../scripts/tree-state.mjs')

/** Runs the guard in `cwd` the way `npm test` does. */
function guard(cwd: string, mode: 'record' | 'check'): { code: number; out: string } {
  const r = spawnSync(process.execPath, [script, mode], { cwd, encoding: 'utf8' })
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` }
}

describe('scripts/tree-state.mjs (the test run leaves the tracked tree unchanged)', () => {
  let dir: string
  let cleanup: () => void
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8' })

  beforeEach(() => {
    ;({ dir, cleanup } = tempDir('webtv-tree-'))
    git('init', '-q')
    git('config', 'user.email', 'test@example.invalid')
    git('config', 'user.name', 'test')
    writeFileSync(join(dir, '.gitignore'), 'reports/\ntest-results/\n')
    mkdirSync(join(dir, 'shots'))
    writeFileSync(join(dir, 'shots', 'a.png'), 'committed')
    writeFileSync(join(dir, 'notes.md'), 'mine')
    git('add', '.gitignore', 'shots/a.png')
    git('commit', '-qm', 'init')
  })
  afterEach(() => cleanup())

  it('passes when the run wrote only to ignored folders, even with edits made before the run', () => {
    writeFileSync(join(dir, 'shots', 'a.png'), 'edited before the run')
    expect(guard(dir, 'record').code).toBe(0)
    mkdirSync(join(dir, 'test-results'))
    writeFileSync(join(dir, 'test-results', 'a.png'), 'from the run')
    const r = guard(dir, 'check')
    expect(r.out).toContain('unchanged')
    expect(r.code).toBe(0)
  })

  it('fails naming a committed file the run rewrote', () => {
    expect(guard(dir, 'record').code).toBe(0)
    writeFileSync(join(dir, 'shots', 'a.png'), 'rewritten by a test')
    const r = guard(dir, 'check')
    expect(r.code).toBe(1)
    expect(r.out).toContain('shots/a.png')
    expect(r.out).toContain('npm run screenshots')
  })

  it('fails when the run changed a file that was already edited, or left a stray file', () => {
    writeFileSync(join(dir, 'shots', 'a.png'), 'edited before the run')
    expect(guard(dir, 'record').code).toBe(0)
    writeFileSync(join(dir, 'shots', 'a.png'), 'and again by a test')
    writeFileSync(join(dir, 'stray.txt'), 'left by a test')
    const r = guard(dir, 'check')
    expect(r.code).toBe(1)
    expect(r.out).toContain('shots/a.png')
    expect(r.out).toContain('stray.txt')
    expect(r.out).not.toContain('notes.md')
  })

  it('says what to do when check runs without a recorded state', () => {
    const r = guard(dir, 'check')
    expect(r.code).toBe(1)
    expect(r.out).toContain('tree-state.mjs record')
  })

  it('passes outside a git checkout', () => {
    const { dir: plain, cleanup: done } = tempDir('webtv-plain-')
    try {
      const r = guard(plain, 'check')
      expect(r.code).toBe(0)
      expect(r.out).toContain('not a git checkout')
    } finally {
      done()
    }
  })
})
