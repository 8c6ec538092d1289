import { afterAll, describe, expect, it } from 'vitest'
import { runWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'

/** `webtv show effects`: the sound-effect settings from the command line, through a real core. */
const tmp = tempDir()
afterAll(() => tmp.cleanup())
const webtv = (...args: string[]) => runWebtv([...args, '--data-dir', tmp.dir], { timeoutMs: 90_000 })

describe('webtv show effects', () => {
  it('prints the offline synth by default, switches provider and model, and refuses bad input clearly', async () => {
    const first = await webtv('show', 'effects')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/Sound effects: Offline synth/)

    const fal = await webtv('show', 'effects', '--provider', 'fal', '--model', 'fal-ai/stable-audio', '--json')
    expect(fal.code, fal.stderr).toBe(0)
    expect(JSON.parse(fal.stdout)).toMatchObject({ provider: 'fal', model: 'fal-ai/stable-audio' })
    // No fal key in this studio: said on stderr, the choice kept.
    expect(JSON.parse(fal.stdout).missing).toMatch(/fal key/)

    const bad = await webtv('show', 'effects', '--provider', 'hf', '--model', 'not a model')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/not a Hugging Face model id/)
    const unknown = await webtv('show', 'effects', '--provider', 'synth')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/--provider is one of offline, hf, fal, comfyui, off/)

    // ComfyUI: no model to give; with no server listed on any channel it says how to add one.
    const comfyModel = await webtv('show', 'effects', '--provider', 'comfyui', '--model', 'a/b')
    expect(comfyModel.code).not.toBe(0)
    expect(comfyModel.stderr).toMatch(/The comfyui effects take no model/)
    const comfy = await webtv('show', 'effects', '--provider', 'comfyui', '--json')
    expect(comfy.code, comfy.stderr).toBe(0)
    expect(JSON.parse(comfy.stdout)).toMatchObject({ provider: 'comfyui', model: '' })
    expect(JSON.parse(comfy.stdout).missing).toMatch(
      /No ComfyUI server is listed: .*webtv comfy add URL --channel NAME/
    )
    const back = await webtv('show', 'effects', '--provider', 'fal', '--json')
    expect(JSON.parse(back.stdout)).toMatchObject({ provider: 'fal', model: 'fal-ai/stable-audio' })

    const plainHttp = await webtv('show', 'effects', '--gateway', 'http://10.0.0.9:8080', '--key-to-gateway', 'on')
    expect(plainHttp.code).toBe(1)
    expect(plainHttp.stderr).toMatch(/plain http on another machine: a key is never sent there/)
    const notSwitch = await webtv('show', 'effects', '--key-to-gateway', 'maybe')
    expect(notSwitch.code).toBe(2)
    expect(notSwitch.stderr).toMatch(/--key-to-gateway is on or off/)
    const gw = await webtv('show', 'effects', '--gateway', 'https://gw.example.org', '--key-to-gateway', 'on')
    expect(gw.code, gw.stderr).toBe(0)
    expect(gw.stdout).toContain('Gateway:  https://gw.example.org (key sent)')
    const gone = await webtv('show', 'effects', '--gateway', '', '--json')
    expect(JSON.parse(gone.stdout)).toMatchObject({ gateway: '', keyToGateway: false })

    // What was refused changed nothing.
    const after = await webtv('show', 'effects', '--json')
    expect(JSON.parse(after.stdout)).toMatchObject({ provider: 'fal', model: 'fal-ai/stable-audio' })
  }, 240_000)
})
