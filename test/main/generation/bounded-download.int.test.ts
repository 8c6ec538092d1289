/**
 * Issue 19 finding 4: every remote output download is bounded by size (the clip's
 * length at a generous bitrate, with a hard cap) and by time; past either it stops
 * with an error naming the server and deletes the partial file. A rogue ComfyUI
 * server (a local one on 127.0.0.1 speaking /view) streams without end.
 */
import { createServer, type Server } from 'node:http'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ComfyClient } from '../../../src/main/generation/comfyui/client'
import {
  clipBudgetBytes,
  DOWNLOAD_FLOOR_BYTES,
  DOWNLOAD_HARD_CAP_BYTES,
  saveBounded
} from '../../../src/main/generation/download'
import { GenerationError } from '../../../src/main/generation/errors'
import { tempDir } from '../../helpers/tmp'

let server: Server
let base: string
let tmp: ReturnType<typeof tempDir>
const CHUNK = Buffer.alloc(64 * 1024, 7)

beforeAll(async () => {
  tmp = tempDir()
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const mode = url.searchParams.get('filename') ?? url.pathname.slice(1)
    if (mode === 'declared.mp4') {
      res.writeHead(200, { 'Content-Length': String(400 * 1024 * 1024) })
      return res.write(CHUNK)
    }
    if (mode === 'trickle.mp4') {
      res.writeHead(200)
      res.write(CHUNK)
      return // and never more
    }
    if (mode === 'small.mp4') {
      res.writeHead(200, { 'Content-Length': String(CHUNK.length) })
      return res.end(CHUNK)
    }
    // endless: chunked, no length, as fast as the client reads
    res.writeHead(200)
    const pump = (): void => {
      while (res.write(CHUNK)) if (res.destroyed) return
      res.once('drain', pump)
    }
    res.on('error', () => undefined)
    pump()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  tmp.cleanup()
})

async function refusal(p: Promise<unknown>): Promise<GenerationError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err
  )
  expect(e).toBeInstanceOf(GenerationError)
  return e as GenerationError
}

describe('bounded output downloads', () => {
  it('the budget follows the clip length, with a floor and a hard cap', () => {
    expect(clipBudgetBytes(1)).toBe(DOWNLOAD_FLOOR_BYTES)
    expect(clipBudgetBytes(30)).toBeGreaterThan(DOWNLOAD_FLOOR_BYTES)
    expect(clipBudgetBytes(1e6)).toBe(DOWNLOAD_HARD_CAP_BYTES)
    expect(clipBudgetBytes(undefined)).toBeLessThan(400 * 1024 * 1024)
  })

  it('a ComfyUI server streaming without end is stopped at the default budget; nothing stays in the job folder', async () => {
    const dir = join(tmp.dir, 'job1')
    mkdirSync(dir)
    const client = new ComfyClient(base)
    const err = await refusal(
      client.download({ filename: 'endless.mp4', subfolder: '', type: 'output' }, join(dir, 'out.mp4'))
    )
    expect(err.kind).toBe('permanent')
    expect(err.message).toContain(`the ComfyUI server at ${base}`)
    expect(err.message).toMatch(/larger than \d+ MB/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('a declared length over the budget is refused before the body is read', async () => {
    const out = join(tmp.dir, 'declared.mp4')
    const res = await fetch(`${base}/declared.mp4`)
    const err = await refusal(saveBounded(res, out, { server: 'the test server', maxBytes: 1024 * 1024 }))
    expect(err.message).toContain('the test server')
    expect(existsSync(out)).toBe(false)
  })

  it('a server that stops sending is dropped after the time bound, its partial file deleted', async () => {
    const out = join(tmp.dir, 'trickle.mp4')
    const res = await fetch(`${base}/trickle.mp4`)
    const err = await refusal(saveBounded(res, out, { server: 'the slow server', timeoutMs: 300 }))
    expect(err.kind).toBe('transient')
    expect(err.message).toMatch(/the slow server took longer than 0 s/)
    expect(existsSync(out)).toBe(false)
  })

  it('a normal output is saved whole', async () => {
    const out = join(tmp.dir, 'small.mp4')
    await saveBounded(await fetch(`${base}/small.mp4`), out, { server: 's' })
    expect(statSync(out).size).toBe(CHUNK.length)
  })
})

describe('user-supplied ComfyUI workflows are bounded', () => {
  it('a workflow over the documented limit is refused by size, naming the limit', async () => {
    const { comfyCustomWorkflowSchema, WORKFLOW_MAX_BYTES } = await import('../../../src/shared/contract/comfyui')
    const graph: Record<string, unknown> = {}
    for (let i = 0; i < 600; i++) graph[String(i)] = { class_type: 'Note', inputs: { text: 'x'.repeat(4000) } }
    const r = comfyCustomWorkflowSchema.safeParse({ graph, mapping: { prompt: { node: '1', input: 'text' } } })
    expect(r.success).toBe(false)
    expect(JSON.stringify(r.error?.issues)).toContain(`at most ${WORKFLOW_MAX_BYTES / 1024} KB`)
  })
})
