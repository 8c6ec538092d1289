import { describe, expect, it } from 'vitest'
import { runWebtv } from '../../helpers/cli'

describe('webtv command', () => {
  it('lists its commands with --help', async () => {
    const r = await runWebtv(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Usage: webtv <command>/)
    expect(r.stdout).toMatch(/\bserve\b/)
    expect(r.stdout).toMatch(/\bdoctor\b/)
  })
  it('rejects an unknown command with a hint', async () => {
    const r = await runWebtv(['nonsense'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown command "nonsense".*--help/)
  })
})
