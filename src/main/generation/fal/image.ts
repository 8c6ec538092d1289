import { readFile, stat } from 'node:fs/promises'
import type { FalConfig } from '../../../shared/contract/generation'
import { modelPreset } from '../../../shared/backend-presets'
import { permanent } from '../errors'

/**
 * fal's image-to-video: the endpoint that starts a clip from an image (`image_url`), for a
 * continuation of a clip (generation/extend.ts) or a shot continuing the previous one. The
 * configured endpoint when it is one already; the preset's own when the endpoint is the preset's;
 * else the `text-to-video` endpoint's `image-to-video` sibling, as fal names its models.
 */
export function falImageEndpoint(config: FalConfig): string | undefined {
  if (/(^|\/)image-to-video(\/|$)/.test(config.endpoint)) return config.endpoint
  const preset = modelPreset(config.preset)
  if (preset?.falEndpoint === config.endpoint && preset.falImageEndpoint) return preset.falImageEndpoint
  if (/\/text-to-video$/.test(config.endpoint)) return config.endpoint.replace(/text-to-video$/, 'image-to-video')
  return undefined
}

/** The largest start frame sent inline: fal's image inputs take up to 8 MB, and a data URI grows it by a third. */
export const MAX_START_IMAGE_BYTES = 6 * 1024 * 1024

/** A PNG as a data URI, which fal's inputs accept in place of a URL (no upload to fal's storage first). */
export async function imageDataUri(png: string): Promise<string> {
  const size = (await stat(png)).size
  if (size > MAX_START_IMAGE_BYTES)
    throw permanent(
      `The start frame is ${Math.round(size / 1048576)} MB; fal takes images up to ${MAX_START_IMAGE_BYTES / 1048576} MB inline.`
    )
  return `data:image/png;base64,${(await readFile(png)).toString('base64')}`
}
