import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/cli'

// scripts/dist.mjs decides what electron-builder gets on each release runner; its
// --dry-run prints that plan (variable names, never values) without building.
const script = join(repoRoot, 'scripts', 'dist.mjs')
const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }

const SECRET_NAMES = [
  'CSC_LINK',
  'CSC_KEY_PASSWORD',
  'WIN_CSC_LINK',
  'WIN_CSC_KEY_PASSWORD',
  'APPLE_ID',
  'APPLE_APP_SPECIFIC_PASSWORD',
  'APPLE_TEAM_ID',
  'GH_TOKEN',
  'GITHUB_REF_TYPE',
  'GITHUB_REF_NAME'
]

interface Plan {
  args: string[]
  notes: string[]
  errors: string[]
  signing: string[]
}

function dryRun(
  platform: string,
  env: Record<string, string>,
  publish = 'always'
): Plan & { code: number; raw: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SECRET_NAMES.includes(k)))
  const r = spawnSync(process.execPath, [script, '--dry-run', '--platform', platform, '--publish', publish], {
    env: { ...clean, GH_TOKEN: 'ghs_token_value', ...env },
    encoding: 'utf8'
  })
  return { ...(JSON.parse(r.stdout) as Plan), code: r.status ?? -1, raw: r.stdout + r.stderr }
}

// What GitHub passes for secrets that are not set: empty strings.
const unset = Object.fromEntries(SECRET_NAMES.filter((n) => n !== 'GH_TOKEN').map((n) => [n, '']))
const macCert = { CSC_LINK: 'base64-p12-value', CSC_KEY_PASSWORD: 'p12-password-value' }
const notary = { APPLE_ID: 'me@example.com', APPLE_APP_SPECIFIC_PASSWORD: 'abcd-efgh-value', APPLE_TEAM_ID: 'TEAM123' }
const winCert = { WIN_CSC_LINK: 'base64-pfx-value', WIN_CSC_KEY_PASSWORD: 'pfx-password-value' }

// Each case starts node on the script (one to five times): on a loaded 2-core machine one start
// alone can take seconds, past vitest's 5 s default (seen failing under load), so the limit is wider.
describe('scripts/dist.mjs (what each release runner builds and signs)', { timeout: 60_000 }, () => {
  it('builds its own platform’s target and publishes only when asked', () => {
    expect(dryRun('darwin', unset).args).toEqual(['--mac', '--publish', 'always'])
    expect(dryRun('win32', unset).args).toEqual(['--win', '--publish', 'always'])
    expect(dryRun('linux', unset, 'never').args).toEqual(['--linux', '--publish', 'never'])
  })

  it('no secrets set (empty strings): every platform builds unsigned, saying so, without failing', () => {
    for (const platform of ['darwin', 'win32', 'linux']) {
      const p = dryRun(platform, unset)
      expect(p.code, p.raw).toBe(0)
      expect(p.errors).toEqual([])
      expect(p.signing).toEqual([])
      expect(p.notes.join(' ')).toMatch(/not signed/)
    }
  })

  it('macOS signs with CSC_LINK and notarises with all three APPLE_ values', () => {
    expect(dryRun('darwin', { ...unset, ...macCert, ...notary, ...winCert }).signing.sort()).toEqual(
      [...Object.keys(macCert), ...Object.keys(notary)].sort()
    )
    const signedOnly = dryRun('darwin', { ...unset, ...macCert })
    expect(signedOnly.signing.sort()).toEqual(Object.keys(macCert).sort())
    expect(signedOnly.notes.join(' ')).toMatch(/not notarised/)
  })

  it('macOS without a certificate drops the notarisation values too (an unsigned app cannot be notarised)', () => {
    const p = dryRun('darwin', { ...unset, ...notary })
    expect(p.code).toBe(0)
    expect(p.signing).toEqual([])
  })

  it('half a notarisation setup is an error naming what is missing', () => {
    const p = dryRun('darwin', { ...unset, ...macCert, APPLE_ID: 'me@example.com' })
    expect(p.code).toBe(1)
    expect(p.errors.join(' ')).toMatch(/missing: APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID/)
  })

  it('Windows signs only with WIN_CSC_LINK, never falling back to the macOS certificate', () => {
    expect(dryRun('win32', { ...unset, ...macCert, ...winCert, ...notary }).signing.sort()).toEqual(
      Object.keys(winCert).sort()
    )
    expect(dryRun('win32', { ...unset, ...macCert }).signing).toEqual([])
  })

  it('Linux gets no signing values at all', () => {
    expect(dryRun('linux', { ...macCert, ...winCert, ...notary }).signing).toEqual([])
  })

  it('refuses a tag that does not match package.json’s version, and publishing without a token', () => {
    const wrong = dryRun('linux', { ...unset, GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'v99.0.0' })
    expect(wrong.code).toBe(1)
    expect(wrong.errors.join(' ')).toContain(`The tag v99.0.0 does not match package.json's version ${version}`)
    expect(dryRun('linux', { ...unset, GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: `v${version}` }).code).toBe(0)
    const noToken = dryRun('linux', { ...unset, GH_TOKEN: '' })
    expect(noToken.errors.join(' ')).toMatch(/needs GH_TOKEN/)
    expect(dryRun('linux', { ...unset, GH_TOKEN: '' }, 'never').code).toBe(0)
  })

  it('never prints a secret’s value', () => {
    const p = dryRun('darwin', { ...macCert, ...notary, ...winCert })
    for (const value of [
      ...Object.values(macCert),
      ...Object.values(notary),
      ...Object.values(winCert),
      'ghs_token_value'
    ])
      expect(p.raw).not.toContain(value)
  })
})
