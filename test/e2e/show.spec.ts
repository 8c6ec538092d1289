import { join } from 'node:path'
import { test, expect } from './fixtures'
import { callCore, createChannelInUi, openStudio, screenshotDir } from './ui-helpers'

interface Show {
  bible: { setting: string } | null
  sequences: Array<{ id: number; title: string; shots: Array<{ line?: { speaker: string; text: string } | null }> }>
}
interface LookOut {
  captions?: 'off' | 'burned'
  mix?: { speechDb: number; modelDb: number; effectDb: number; musicDb: number }
}

test.describe('studio: the show', () => {
  test('writes a plan with the template writer, edits a line and undoes it; voice settings speak a sample; effects settings make one; the look sets captions and mix', async ({
    page,
    studio
  }) => {
    test.setTimeout(330_000)
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Show E2E')
    const channelId = (
      await callCore<{ channels: Array<{ id: number; name: string }> }>(
        page.request,
        studio.baseUrl,
        'library.channels.list',
        {}
      )
    ).channels.find((c) => c.name === 'Show E2E')!.id
    const show = () => callCore<Show>(page.request, studio.baseUrl, 'show.get', { channelId })

    await page.getByRole('tab', { name: 'Show' }).click()
    const side = page.getByRole('region', { name: 'Show' })
    await expect(side).toContainText('No show plan yet')
    const write = side.getByRole('form', { name: 'Write a plan' })
    await write.getByLabel('Theme').fill('a lighthouse keeper on a stormy night')
    await write.getByLabel('Shots each').fill('3')
    await write.getByRole('button', { name: 'Write a plan' }).click()

    // The plan the core wrote: the bible in its editor, the sequence with its shots.
    const bible = side.getByRole('form', { name: 'Bible' })
    await expect(bible.getByRole('textbox', { name: 'Setting', exact: true })).not.toHaveValue('')
    await expect(bible.getByLabel('Name of character 1')).toHaveValue('Wanderer')
    const seq = side.getByRole('form', { name: 'Sequence 1' })
    await expect(seq.getByTestId('show-shot')).toHaveCount(3)
    const written = (await show()).sequences[0]!
    const firstLine = written.shots[0]!.line!
    await expect(seq.getByLabel('Speaker of shot 1')).toHaveValue('narrator')
    await expect(seq.getByLabel('Line of shot 1')).toHaveValue(firstLine.text)
    await expect(seq.getByLabel('Effect of shot 1')).toHaveValue('')
    await page.screenshot({ path: join(screenshotDir, 'show.png') })

    // Edit the line and give the shot an effect: one undoable step in the core.
    await seq.getByLabel('Line of shot 1').fill('The lamp still burns. Someone is out there.')
    await seq.getByLabel('Effect of shot 1').fill('rain on the lantern glass')
    await page.screenshot({ path: join(screenshotDir, 'show-edit.png') })
    await seq.getByRole('button', { name: 'Save sequence' }).click()
    await expect
      .poll(async () => (await show()).sequences[0]!.shots[0])
      .toMatchObject({
        line: { speaker: 'narrator', text: 'The lamp still burns. Someone is out there.' },
        effect: 'rain on the lantern glass'
      })
    await expect(seq.getByRole('button', { name: 'Save sequence' })).toBeDisabled()

    // Undo: the core puts the line back and the panel follows it.
    const undo = page.getByTestId('undo-button')
    await expect(undo).toHaveAccessibleName(`Undo edit of "${written.title}"`)
    await undo.click()
    await expect(seq.getByLabel('Line of shot 1')).toHaveValue(firstLine.text)
    await expect(seq.getByLabel('Effect of shot 1')).toHaveValue('')
    expect((await show()).sequences[0]!.shots[0]!.line).toEqual(firstLine)

    // Produce: the core speaks the two narrated lines and queues three jobs; the panel shows the states the jobs report.
    await seq.getByRole('button', { name: 'Produce' }).click()
    const status = seq.getByTestId('produce-status')
    await expect(status).toContainText('2 line(s) spoken · 3 job(s)', { timeout: 60_000 })
    // Offline clips, narration mixed at conform: minutes on a busy machine, so wait on what the jobs report.
    await expect(status).toContainText('3 ready, 0 in progress', { timeout: 150_000 })
    await expect(seq.getByRole('button', { name: 'Produce again' })).toBeEnabled()

    // A speaker chosen with no words yet is not a line; Produce waits until the edit is saved.
    await seq.getByLabel('Speaker of shot 2').selectOption('Wanderer')
    await expect(seq.getByLabel('Line of shot 2')).toHaveValue('')
    await expect(seq.getByRole('button', { name: 'Produce' })).toBeDisabled()

    // Settings: the voice, its test through the core, and the look's captions and mix.
    await page.getByRole('button', { name: 'Settings' }).click()
    const voice = page.getByRole('form', { name: 'Voice' })
    const provider = voice.getByLabel('Speaks the lines')
    await expect(provider).toHaveValue('os')
    await voice.getByRole('button', { name: 'Test voice' }).click()
    // espeak-ng, trim and measure per sentence: a few small processes, slow on a busy machine.
    await expect(voice.getByRole('button', { name: 'Speaking…' })).toBeHidden({ timeout: 90_000 })
    await expect(voice.getByLabel('Voice sample')).toHaveAttribute('src', /^blob:/)
    await expect(voice).toContainText(/espeak-ng \(offline\) · \d+\.\d s/)
    const seconds = await voice
      .getByLabel('Voice sample')
      .evaluate(
        (a: HTMLAudioElement) =>
          new Promise<number>((resolve) =>
            a.readyState >= 1 ? resolve(a.duration) : a.addEventListener('loadedmetadata', () => resolve(a.duration))
          )
      )
    expect(seconds).toBeGreaterThan(1)

    await provider.selectOption('openai')
    await expect(voice.getByLabel('Server URL (Kokoro-FastAPI, LocalAI, OpenAI)')).toBeVisible()
    await expect(voice.getByLabel(/API key \(none stored\)/)).toHaveAttribute('type', 'password')
    await voice.getByLabel('Server URL (Kokoro-FastAPI, LocalAI, OpenAI)').fill('http://127.0.0.1:9/v1')
    await voice.getByRole('textbox', { name: 'Model', exact: true }).fill('kokoro')
    await voice.getByLabel(/API key/).fill('sk-e2e-voice-key-0000001234')
    await voice.getByRole('button', { name: 'Save voice' }).click()
    await expect(voice.getByLabel(/API key \(stored: ••••••••1234\)/)).toHaveValue('')
    await voice.screenshot({ path: join(screenshotDir, 'show-voice.png') })
    const stored = await callCore<Record<string, unknown>>(page.request, studio.baseUrl, 'show.voice.get', {})
    expect(stored).toMatchObject({ provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'kokoro' })
    expect(JSON.stringify(stored)).not.toContain('sk-e2e-voice-key')

    // Sound effects, beside the voice: the offline synth makes a test effect through the core.
    const effects = page.getByRole('form', { name: 'Sound effects' })
    const maker = effects.getByLabel('Makes the effects')
    await expect(maker).toHaveValue('offline')
    await effects.getByLabel('Test cue').fill('wind in the pines')
    await effects.getByRole('button', { name: 'Test effect' }).click()
    await expect(effects.getByRole('button', { name: 'Making…' })).toBeHidden({ timeout: 90_000 })
    await expect(effects.getByLabel('Effect sample')).toHaveAttribute('src', /^blob:/)
    await expect(effects).toContainText(/Offline synth \(no account\) · “wind in the pines” · 4\.0 s/)
    const effectSeconds = await effects
      .getByLabel('Effect sample')
      .evaluate(
        (a: HTMLAudioElement) =>
          new Promise<number>((resolve) =>
            a.readyState >= 1 ? resolve(a.duration) : a.addEventListener('loadedmetadata', () => resolve(a.duration))
          )
      )
    expect(effectSeconds).toBeGreaterThan(3.9)
    await effects.screenshot({ path: join(screenshotDir, 'show-effects-test.png') })
    // A hosted row: its model, and what it lacks here (the HF token is the backends').
    await maker.selectOption('hf')
    await expect(effects.getByRole('button', { name: 'Test effect' })).toBeDisabled()
    await effects.getByLabel('Text-to-audio model').fill('stabilityai/stable-audio-open-1.0')
    await effects.getByRole('button', { name: 'Save effects' }).click()
    await expect(effects).toContainText('No Hugging Face token is set')
    await effects.screenshot({ path: join(screenshotDir, 'show-effects.png') })
    expect(await callCore(page.request, studio.baseUrl, 'show.effects.get', {})).toMatchObject({
      provider: 'hf',
      model: 'stabilityai/stable-audio-open-1.0'
    })
    await maker.selectOption('offline')
    await effects.getByRole('button', { name: 'Save effects' }).click()
    await expect(effects.getByRole('button', { name: 'Save effects' })).toBeDisabled()

    const look = page.getByRole('form', { name: 'Look and loudness' })
    await expect(look.getByRole('combobox', { name: 'Captions', exact: true })).toHaveValue('off')
    await expect(look.getByLabel('Music (dB)')).toHaveValue('-8')
    await look.getByRole('combobox', { name: 'Captions', exact: true }).selectOption('burned')
    await look.getByLabel('Music (dB)').fill('-12')
    await look.screenshot({ path: join(screenshotDir, 'show-look.png') })
    await look.getByRole('button', { name: 'Save look' }).click()
    await expect
      .poll(
        async () =>
          (
            await callCore<{ channels: Array<{ id: number; look: LookOut }> }>(
              page.request,
              studio.baseUrl,
              'library.channels.list',
              {}
            )
          ).channels.find((c) => c.id === channelId)!.look
      )
      .toMatchObject({ captions: 'burned', mix: { speechDb: 0, modelDb: -6, effectDb: -8, musicDb: -12 } })
  })
})
