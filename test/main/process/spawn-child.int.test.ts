import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { spawnChild, execChild } from '../../../src/main/process/spawn-child'

const closeOf = (c: ReturnType<typeof spawnChild>): Promise<[number | null, NodeJS.Signals | null]> =>
  new Promise((r) => c.on('close', (code, sig) => r([code, sig])))

describe.runIf(process.platform !== 'win32')('spawnChild (watchdog)', () => {
  it('passes stdin/stdout through and reports the exit code of the tool', async () => {
    const c = spawnChild('sh', ['-c', 'read x; echo "got $x"; exit 3'])
    let out = ''
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    c.stdin!.end('abc\n')
    expect(await closeOf(c)).toEqual([3, null])
    expect(out).toBe('got abc\n')
  })

  it('kill(SIGKILL) reaches the tool, not only the watchdog, and reports the signal', async () => {
    const c = spawnChild('sh', ['-c', 'echo $$; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] })
    const toolPid = await new Promise<number>((r) =>
      c.stdout!.once('data', (d: Buffer) => r(Number(d.toString().trim())))
    )
    c.kill('SIGKILL')
    expect(await closeOf(c)).toEqual([null, 'SIGKILL'])
    expect(() => process.kill(toolPid, 0)).toThrow()
  })

  it('lowPriority runs the tool at nice 10', async () => {
    const c = spawnChild('sh', ['-c', 'cat /proc/self/stat'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      lowPriority: true
    })
    let out = ''
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    await closeOf(c)
    if (process.platform === 'linux') {
      const fields = out.slice(out.lastIndexOf(')') + 2).split(' ')
      // field 19 (nice) is index 16 after the command name
      const ownNice = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[16])
      expect(Number(fields[16])).toBe(Math.min(19, ownNice + 10))
    }
  })

  it('execChild: abort kills and reports; a missing binary is an error, not a hang', async () => {
    const ac = new AbortController()
    const p = new Promise<string>((r) =>
      execChild('sleep', ['30'], { signal: ac.signal }, (err) => r(err ? `killed=${err.killed}` : 'ok'))
    )
    setTimeout(() => ac.abort(), 100)
    expect(await p).toBe('killed=true')
    const missing = await new Promise<string>((r) =>
      execChild('/nonexistent/tool', [], {}, (err) => r(String(err?.code)))
    )
    expect(missing).toBe('ENOENT')
  })
})
