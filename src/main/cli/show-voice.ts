import { writeFileSync } from 'node:fs'
import { parseStrictDecimal } from '../../shared/strict-number'
import type { CallInput } from '../../shared/contract'
import type { VoiceSettingsDto } from '../../shared/contract/show'
import type { CliContext } from './command'
import { onOffOpt, readSecretFromStdin, stringOpt, UsageError } from './command'
import { callCore, openCore } from './open-core'
import { printable } from './printable'

export const voiceUsage = [
  'webtv show voice                                        print the voice settings (key masked)',
  'webtv show voice [--provider os|openai|hf|fal] [--voice V] [--rate 0.5-2] [--model M] [--url URL] [--key-stdin | --remove-key]',
  'webtv show voice|effects [--gateway URL|""] [--key-to-gateway on|off]   hf/fal through a self-hosted gateway (the token/key only if on)',
  'webtv show voice test [--text "A line."] [--voice V] [--out sample.wav]   speak a sample with the settings'
].join('\n  ')

/** The options `webtv show voice` adds to `webtv show`. */
export const voiceOptions = {
  provider: { type: 'string' },
  voice: { type: 'string' },
  rate: { type: 'string' },
  model: { type: 'string' },
  url: { type: 'string' },
  'key-stdin': { type: 'boolean' },
  'remove-key': { type: 'boolean' },
  gateway: { type: 'string' },
  'key-to-gateway': { type: 'string' },
  text: { type: 'string' },
  out: { type: 'string' }
} as const

const PROVIDERS = ['os', 'openai', 'hf', 'fal'] as const
type Provider = (typeof PROVIDERS)[number]

/** What each provider's model field holds, for the printout. */
const MODEL_LABEL: Record<Provider, string> = {
  os: 'Model',
  openai: 'Model',
  hf: 'HF model id',
  fal: 'fal endpoint'
}

function print(ctx: CliContext, s: VoiceSettingsDto): void {
  if (ctx.global.json) return ctx.io.out(JSON.stringify(s))
  const os = `the OS voice (${printable(s.osLabel)})${s.osMissing ? ` — ${printable(s.osMissing)}` : ''}`
  ctx.io.out(`Provider: ${s.provider === 'os' ? os : s.provider}`)
  if (s.provider === 'openai') ctx.io.out(`Server:   ${printable(s.baseUrl) || '(none)'}`)
  if (s.provider !== 'os') ctx.io.out(`${MODEL_LABEL[s.provider]}: ${printable(s.model) || '(default)'}`)
  ctx.io.out(`Voice:    ${printable(s.voice) || '(default)'}`)
  ctx.io.out(`Rate:     ${s.rate}`)
  if (s.provider === 'openai') ctx.io.out(`API key:  ${s.apiKey ?? '(none stored)'}`)
  printGateway(ctx, s)
}

/** The hosted (hf, fal) providers' gateway line, for the voice and the effects alike. */
export function printGateway(ctx: CliContext, s: { provider: string; gateway: string; keyToGateway: boolean }): void {
  if ((s.provider === 'hf' || s.provider === 'fal') && s.gateway)
    ctx.io.out(`Gateway:  ${printable(s.gateway)} (key ${s.keyToGateway ? 'sent' : 'not sent'})`)
}

/** --gateway / --key-to-gateway, shared by `webtv show voice` and `webtv show effects`. */
export function gatewayFromFlags(ctx: CliContext): { gateway?: string; keyToGateway?: boolean } {
  const gateway = stringOpt(ctx, 'gateway')
  const keyToGateway = onOffOpt(ctx, 'key-to-gateway')
  return {
    ...(gateway !== undefined ? { gateway } : {}),
    ...(keyToGateway !== undefined ? { keyToGateway } : {})
  }
}

/** The settings change the flags ask for; undefined when they ask for none (then the settings are printed). */
function changeFromFlags(ctx: CliContext): CallInput<'show.voice.set'> | undefined {
  const change: CallInput<'show.voice.set'> = {}
  const provider = stringOpt(ctx, 'provider')
  if (provider !== undefined) {
    if (!(PROVIDERS as readonly string[]).includes(provider))
      throw new UsageError(`--provider is one of ${PROVIDERS.join(', ')}; got "${printable(provider)}".`)
    change.provider = provider as Provider
  }
  const rate = stringOpt(ctx, 'rate')
  if (rate !== undefined) {
    const n = parseStrictDecimal(rate)
    if (n === undefined || n < 0.5 || n > 2)
      throw new UsageError(`--rate is a speed from 0.5 to 2 (1 = normal), like 1.2; got "${printable(rate)}".`)
    change.rate = n
  }
  const voice = stringOpt(ctx, 'voice')
  if (voice !== undefined) change.voice = voice
  const model = stringOpt(ctx, 'model')
  if (model !== undefined) change.model = model
  const url = stringOpt(ctx, 'url')
  if (url !== undefined) change.baseUrl = url
  const keyIn = ctx.values['key-stdin'] === true
  const removeKey = ctx.values['remove-key'] === true
  if (keyIn && removeKey) throw new UsageError('Give --key-stdin or --remove-key, not both.')
  // The key comes in on stdin only: an argument would sit in shell history and `ps`.
  if (keyIn) change.apiKey = readSecretFromStdin('webtv show voice --provider openai --key-stdin')
  if (removeKey) change.apiKey = ''
  Object.assign(change, gatewayFromFlags(ctx))
  return Object.keys(change).length ? change : undefined
}

/** `webtv show voice [test]`: the studio's voice (not a channel's), so no --channel. */
export async function runShowVoice(ctx: CliContext, words: string[]): Promise<number> {
  const [sub, ...rest] = words
  if ((sub !== undefined && sub !== 'test') || rest.length)
    throw new UsageError(`Unknown: webtv show voice ${printable(words.join(' '))}.\n  ${voiceUsage}`)
  if (sub === undefined && (stringOpt(ctx, 'text') !== undefined || stringOpt(ctx, 'out') !== undefined))
    throw new UsageError('--text and --out go with `webtv show voice test`.')
  const setting = (
    ['provider', 'rate', 'model', 'url', 'key-stdin', 'remove-key', 'gateway', 'key-to-gateway'] as const
  ).find((k) => ctx.values[k] !== undefined)
  if (sub === 'test' && setting)
    throw new UsageError(
      `--${setting} changes the settings: run \`webtv show voice --${setting} …\` first, then the test.`
    )
  const change = sub === undefined ? changeFromFlags(ctx) : undefined
  const core = await openCore(ctx.global.dataDir)
  try {
    if (sub === undefined) {
      print(ctx, change ? await callCore(core, 'show.voice.set', change) : await callCore(core, 'show.voice.get', {}))
      return 0
    }
    const out = stringOpt(ctx, 'out')
    const r = await callCore(core, 'show.voice.test', {
      ...(stringOpt(ctx, 'text') !== undefined ? { text: stringOpt(ctx, 'text') } : {}),
      ...(stringOpt(ctx, 'voice') !== undefined ? { voice: stringOpt(ctx, 'voice') } : {})
    })
    // The core bounds the sample (15 s, 1 MiB); the WAV is written only where asked.
    if (out) writeFileSync(out, Buffer.from(r.audio.replace(/^data:audio\/wav;base64,/, ''), 'base64'))
    if (ctx.global.json) ctx.io.out(JSON.stringify({ provider: r.provider, seconds: r.seconds, bytes: r.bytes, out }))
    else
      ctx.io.out(
        `Spoken by ${printable(r.provider)}: ${r.seconds.toFixed(1)} s, ${r.bytes} bytes${out ? ` → ${printable(out)}` : ' (--out FILE keeps the WAV)'}.`
      )
    return 0
  } finally {
    await core.close()
  }
}
