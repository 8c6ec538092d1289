import { afterEach, describe, expect, it } from 'vitest'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('generation.backends.set: write-only secrets', () => {
  it.each([
    ['hfToken', 'huggingface.co/settings/tokens'],
    ['falKey', 'fal.ai/dashboard/keys'],
    ['comfyuiToken', 'your GPU provider']
  ] as const)(
    'a %s that is not a token is refused by name, and nothing in the call is stored',
    async (field, where) => {
      const t = tempDir()
      cleanups.push(t.cleanup)
      const core = await openCore(t.dir)
      cleanups.push(() => core.close())
      const ch = await callCore(core, 'library.channels.create', { name: 'Secrets' })
      const before = await callCore(core, 'generation.backends.get', { channelId: ch.id })

      const err = await callCore(core, 'generation.backends.set', {
        channelId: ch.id,
        settings: { maxAttempts: before.settings.maxAttempts + 1 },
        hfToken: 'hf_goodtoken_123',
        [field]: 'has a space'
      }).catch((e: unknown) => e as { code: string; field?: string; message: string })
      expect(err).toMatchObject({ code: 'invalid_input', field })
      expect((err as { message: string }).message).toContain(where)
      expect((err as { message: string }).message).not.toContain('has a space')

      // Neither the settings nor the other (good) token of the refused call were written.
      const after = await callCore(core, 'generation.backends.get', { channelId: ch.id })
      expect(after).toEqual(before)
    }
  )

  it('"" removes a stored token; a good one is stored and only shown masked', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const core = await openCore(t.dir)
    cleanups.push(() => core.close())
    const ch = await callCore(core, 'library.channels.create', { name: 'Secrets' })
    const set = await callCore(core, 'generation.backends.set', { channelId: ch.id, falKey: 'fal-key-0123456789' })
    expect(set.falKey).toBeTruthy()
    expect(set.falKey).not.toContain('0123456789')
    const cleared = await callCore(core, 'generation.backends.set', { channelId: ch.id, falKey: '' })
    expect(cleared.falKey).toBeNull()
  })
})
