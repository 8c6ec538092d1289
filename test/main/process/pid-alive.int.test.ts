import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { isPidAlive, linuxProcessState } from '../../../src/main/process/pid-alive'

const linux = process.platform === 'linux'

describe('isPidAlive', () => {
  const started: Array<{ kill(signal: NodeJS.Signals): boolean }> = []
  afterEach(() => {
    for (const child of started.splice(0)) child.kill('SIGKILL')
  })

  it('is true for a running process and false once it has exited', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' })
    started.push(child)
    await once(child, 'spawn')
    expect(isPidAlive(child.pid!)).toBe(true)
    child.kill('SIGKILL')
    await once(child, 'exit')
    expect(isPidAlive(child.pid!)).toBe(false)
  })

  it('is false for pids that name no single process', () => {
    // process.kill(0, 0) would signal our own process group and "succeed".
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(isPidAlive(pid)).toBe(false)
  })

  it.runIf(linux)('is false for a zombie: exited, never reaped, still answering signal 0', async () => {
    // The shell starts `sleep 1` in the background, prints its pid and becomes `sleep 30`,
    // which never waits for children: the finished `sleep 1` stays a zombie. (With `sleep 0`
    // a busy machine let the child end before the exec, and the shell reaped it itself.)
    const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] })
    started.push(parent)
    const [line] = (await once(parent.stdout!, 'data')) as [Buffer]
    const zombie = Number(line.toString().trim())
    expect(zombie).toBeGreaterThan(0)
    await expect.poll(() => linuxProcessState(zombie), { timeout: 10_000 }).toBe('Z')
    expect(() => process.kill(zombie, 0)).not.toThrow()
    expect(isPidAlive(zombie)).toBe(false)
  })

  it('is true for this process', () => {
    expect(isPidAlive(process.pid)).toBe(true)
    if (linux) expect(linuxProcessState(process.pid)).toMatch(/^[RS]$/)
  })
})
