import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  isLoopbackHost,
  isServiceHost,
  mayAttachToken,
  policedFetch,
  tokenDecision,
  TokenRefusedError
} from '../../../src/main/generation/token-policy'
import { classifySpaceError, tokenFor } from '../../../src/main/generation/gradio/space'

const hf = { service: 'huggingface' as const }
const fal = { service: 'fal' as const }

describe('token-host policy', () => {
  it('sends an HF token to huggingface.co, its router and *.hf.space over https only', () => {
    for (const ok of [
      'https://huggingface.co/api/whoami-v2',
      'https://router.huggingface.co/fal-ai/x',
      'https://hysts-zeroscope-v2.hf.space/config',
      'wss://owner-name.hf.space/queue/join',
      'https://HuggingFace.co./api'
    ]) {
      expect(mayAttachToken(ok, hf), ok).toBe(true)
    }
    for (const no of [
      'http://huggingface.co/api/whoami-v2', // plain http, even to the right host
      'http://owner-name.hf.space/config',
      'https://huggingface.co.evil.com/',
      'https://evilhuggingface.co/',
      'https://hf.space/',
      'https://fal.run/fal-ai/x', // another service's host
      'https://example.com/space',
      'ftp://huggingface.co/',
      'not a url'
    ]) {
      expect(mayAttachToken(no, hf), no).toBe(false)
    }
  })

  it('sends a fal key to fal.ai / fal.run hosts over https only, never to Hugging Face', () => {
    for (const ok of [
      'https://queue.fal.run/fal-ai/wan/requests/1/status',
      'https://fal.run/fal-ai/x',
      'https://rest.alpha.fal.ai/storage',
      'https://fal.ai/'
    ])
      expect(mayAttachToken(ok, fal), ok).toBe(true)
    for (const no of [
      'http://queue.fal.run/x',
      'https://router.huggingface.co/fal-ai/x',
      'https://fal.run.evil.net/',
      'https://notfal.ai/',
      'https://v3.fal.media.evil.com/'
    ])
      expect(mayAttachToken(no, fal), no).toBe(false)
  })

  it('another host gets the token only with the switch on, and never plain http unless it is this machine', () => {
    expect(mayAttachToken('https://gpu.example.org/', hf)).toBe(false)
    expect(mayAttachToken('http://127.0.0.1:7860/', hf)).toBe(false) // the tests' local servers too: off by default
    const on = { ...hf, allowCustomHost: true }
    expect(mayAttachToken('https://gpu.example.org/', on)).toBe(true)
    expect(mayAttachToken('http://127.0.0.1:7860/', on)).toBe(true)
    expect(mayAttachToken('http://[::1]:7860/', on)).toBe(true)
    expect(mayAttachToken('http://localhost:7860/', on)).toBe(true)
    expect(mayAttachToken('http://192.168.1.20:7860/', on)).toBe(false)
    expect(mayAttachToken('http://gpu.example.org/', on)).toBe(false)
    expect(mayAttachToken('http://127.0.0.1.evil.com/', on)).toBe(false)
    // The switch never opens plain http to the service's own hosts.
    expect(mayAttachToken('http://huggingface.co/', on)).toBe(false)
    const d = tokenDecision('https://gpu.example.org/', hf)
    expect(d.send).toBe(false)
    expect(!d.send && d.reason).toMatch(/gpu\.example\.org is another host.*switch on/)
  })

  it('classifies hosts without being fooled by look-alikes', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true)
    expect(isLoopbackHost('127.8.9.10')).toBe(true)
    expect(isLoopbackHost('[::1]')).toBe(true)
    expect(isLoopbackHost('128.0.0.1')).toBe(false)
    expect(isLoopbackHost('127.0.0.1.nip.io')).toBe(false)
    expect(isServiceHost('huggingface', 'x.hf.space')).toBe(true)
    expect(isServiceHost('huggingface', 'xhf.space')).toBe(false)
  })

  it('a Gradio Space gets the token only where the policy allows', () => {
    const token = 'hf_abcdefgh12345678'
    expect(tokenFor({ space: 'hysts/zeroscope-v2', token }, 'https://hysts-zeroscope-v2.hf.space/file=x.mp4')).toBe(
      token
    )
    expect(tokenFor({ space: 'http://127.0.0.1:9/', token }, 'http://127.0.0.1:9/config')).toBeUndefined()
    expect(
      tokenFor({ space: 'http://127.0.0.1:9/', token, tokenToCustomHost: true }, 'http://127.0.0.1:9/config')
    ).toBe(token)
    expect(
      tokenFor({ space: 'http://10.0.0.5:7860/', token, tokenToCustomHost: true }, 'http://10.0.0.5:7860/config')
    ).toBeUndefined()
  })

  it('the policed fetch refuses a request that would carry the token elsewhere, and lets others through', async () => {
    const seen: Array<string | undefined> = []
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization)
      res.end('ok')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`
    try {
      const off = policedFetch(fal)
      const err = await off(url, { headers: { Authorization: 'Key secret-key-1234' } }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TokenRefusedError)
      expect(String((err as Error).message)).not.toContain('secret-key-1234')
      expect(seen).toEqual([]) // nothing left the process
      expect(await (await off(url)).text()).toBe('ok') // no token: fine
      const on = policedFetch({ ...fal, allowCustomHost: true })
      await (await on(url, { headers: { Authorization: 'Key secret-key-1234' } })).text()
      // A rewrite onto a gateway is checked after rewriting.
      const moved = policedFetch(fal, { rewrite: (u) => u.replace('https://queue.fal.run', url.replace('/x', '')) })
      await expect(moved('https://queue.fal.run/x', { headers: { Authorization: 'Key k' } })).rejects.toBeInstanceOf(
        TokenRefusedError
      )
      expect(seen).toEqual([undefined, 'Key secret-key-1234'])
    } finally {
      server.close()
    }
  })
})

describe('quota answers', () => {
  it('ZeroGPU quota: waits the time the Space names instead of retrying blindly, and says what to do', () => {
    const e = classifySpaceError(
      'hysts/zeroscope-v2',
      new Error('You have exceeded your GPU quota (60s requested vs. 12s left). Try again in 0:13:20')
    )
    expect(e.kind).toBe('transient')
    expect(e.retryAfterMs).toBe(800_000)
    expect(e.message).toMatch(/ZeroGPU quota .* used up.*PRO.*own GPU.*Inference Providers or fal/)
    const noTime = classifySpaceError('x/y', new Error('ZeroGPU quota exceeded'))
    expect(noTime.retryAfterMs).toBe(15 * 60_000)
  })
})
