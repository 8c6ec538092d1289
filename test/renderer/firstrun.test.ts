import { beforeEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_CHANNEL_NAME,
  DEFAULT_THEME,
  setupInput,
  useFirstRun,
  type FirstRunDraft
} from '../../src/renderer/src/stores/firstrun'

const draft = (patch: Partial<FirstRunDraft> = {}): FirstRunDraft => ({
  name: '',
  theme: '',
  writer: 'template',
  llmUrl: 'http://127.0.0.1:11434/v1',
  llmModel: '',
  llmKey: '',
  video: 'offline',
  hfToken: '',
  comfyUrl: '',
  ...patch
})

describe('first run: what the confirm step sends', () => {
  it('an untouched draft is the defaults: a named channel, a theme, the offline generator and the built-in writer', () => {
    expect(setupInput(draft())).toEqual({
      name: DEFAULT_CHANNEL_NAME,
      theme: DEFAULT_THEME,
      writer: { kind: 'template' },
      video: { kind: 'offline' }
    })
  })

  it('sends only the chosen upgrade, trimmed; fields of the other choices stay behind', () => {
    const d = draft({
      name: '  Night Trains ',
      theme: ' trains at night ',
      video: 'hf-inference',
      hfToken: ' hf_abc12345 ',
      comfyUrl: 'http://gpu:8188',
      writer: 'llm',
      llmModel: ' llama3.1 ',
      llmKey: '   '
    })
    expect(setupInput(d)).toEqual({
      name: 'Night Trains',
      theme: 'trains at night',
      video: { kind: 'hf-inference', hfToken: 'hf_abc12345' },
      writer: { kind: 'llm', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1' }
    })
    expect(setupInput({ ...d, video: 'comfyui', writer: 'template' })).toMatchObject({
      video: { kind: 'comfyui', url: 'http://gpu:8188' },
      writer: { kind: 'template' }
    })
  })
})

describe('first run: moving through the steps', () => {
  beforeEach(() => {
    useFirstRun.setState({ step: 'channel', channelId: null, active: false })
    useFirstRun.getState().cancel()
  })

  it('skipping the writer & video step drops a half-made upgrade for the defaults', () => {
    const s = useFirstRun.getState()
    s.skip()
    expect(useFirstRun.getState()).toMatchObject({ step: 'backends', draft: { name: DEFAULT_CHANNEL_NAME } })
    s.edit({ video: 'comfyui', comfyUrl: 'http://gpu:8188', writer: 'llm' })
    s.skip()
    expect(useFirstRun.getState()).toMatchObject({ step: 'confirm', draft: { video: 'offline', writer: 'template' } })
  })

  it('cancel before confirming forgets everything typed', () => {
    const s = useFirstRun.getState()
    s.edit({ name: 'Never Made', video: 'hf-inference', hfToken: 'hf_abc12345' })
    s.go('confirm')
    s.cancel()
    expect(useFirstRun.getState()).toMatchObject({ step: 'channel', draft: draft() })
  })

  it('once the channel exists, Back never returns to the steps that created it', () => {
    useFirstRun.setState({ channelId: 7, active: true, step: 'generate' })
    useFirstRun.getState().back()
    expect(useFirstRun.getState().step).toBe('generate')
    useFirstRun.getState().go('golive')
    useFirstRun.getState().back()
    expect(useFirstRun.getState().step).toBe('preview')
  })
})
