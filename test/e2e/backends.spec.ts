import { test, expect } from './fixtures'
import { callCore, createChannelInUi, openStudio } from './ui-helpers'
import { startFakeFal, type FakeFal } from '../fixtures/fal-server'

const KEY = 'fal-e2e-key-id:fal-e2e-secret-4242'

test.describe('studio: generation backends by kind', () => {
  let fal: FakeFal
  test.beforeAll(async () => {
    fal = await startFakeFal({ key: KEY, endpoints: ['fal-ai/wan/v2.2-a14b/text-to-video'] })
  })
  test.afterAll(async () => {
    await fal.close()
  })

  test('picks fal with a preset and edited parameters, keeps the key masked, tests it through a local gateway', async ({
    page,
    studio
  }) => {
    await openStudio(page, studio.url)
    await createChannelInUi(page, 'Kinds E2E')
    await page.getByRole('button', { name: 'Settings' }).click()
    const form = page.getByRole('form', { name: 'Backends' })

    // Legacy Space presets are labelled as such.
    await form.getByLabel('Text to video runs on').selectOption('gradio')
    await expect(form.getByText(/Legacy: 2023 model/)).toBeVisible()

    await form.getByLabel('Text to video runs on').selectOption('fal')
    const fields = form.getByTestId('video-provider-fields')
    await fields.getByLabel('video model preset').selectOption('wan22-t2v-a14b')
    await expect(fields.getByLabel('Endpoint id')).toHaveValue('fal-ai/wan/v2.2-a14b/text-to-video')
    await expect(fields.getByLabel('Frames')).toHaveValue('81')
    await fields.getByLabel('Frames').fill('97')
    await fields.getByText('Self-hosted gateway').click()
    await fields.getByLabel(/Gateway URL/).fill(fal.url)
    await fields.getByLabel(/Send my fal key to this gateway/).check()
    await form.getByLabel(/^fal key/).fill(KEY)
    await expect(form.getByLabel(/^fal key/)).toHaveAttribute('type', 'password')
    await form.getByRole('button', { name: 'Save backends' }).click()

    await expect(form.getByText(/fal key \(stored: ••••••••4242\)/)).toBeVisible()
    const saved = await callCore<{
      settings: {
        video: {
          backend: string
          configs: Array<{ kind: string; endpoint: string; params: { frames: number }; keyToGateway: boolean }>
        }
      }
      falKey: string
    }>(page.request, studio.baseUrl, 'generation.backends.get', { channelId: 1 })
    expect(saved.settings.video.backend).toBe('fal')
    expect(saved.settings.video.configs[0]).toMatchObject({
      kind: 'fal',
      endpoint: 'fal-ai/wan/v2.2-a14b/text-to-video',
      params: { frames: 97 },
      keyToGateway: true
    })
    expect(saved.falKey).toBe('••••••••4242')
    expect(await page.content()).not.toContain(KEY)

    await form.getByRole('button', { name: 'Test connection' }).click()
    const results = form.getByRole('list', { name: 'Connection test results' })
    await expect(results).toContainText('video · fal · fal-ai/wan/v2.2-a14b/text-to-video')
    await expect(results).toContainText('Key accepted by fal')
    expect(fal.stats.submits).toHaveLength(0)
  })
})
