import { useEffect, useState, type FormEvent } from 'react'
import type { ChannelLookCaptions, Corner } from '../../../shared/channel-look'
import type { ChannelDto as Channel, LookPatchDto } from '../../../shared/contract/library'
import { errorMessage, getClient } from '../api/bridge'
import { pathForImport } from '../api/import'
import { useChannels } from '../stores/channels'
import { ErrorNotice } from './ErrorNotice'

const CORNERS: Array<[Corner, string]> = [
  ['top-left', 'Top left'],
  ['top-right', 'Top right'],
  ['bottom-left', 'Bottom left'],
  ['bottom-right', 'Bottom right']
]

type Mix = NonNullable<Channel['look']['mix']>
/** The core's levels when a look sets none (src/main/sound/mix.ts DEFAULT_MIX_LEVELS). */
const DEFAULT_MIX: Mix = { speechDb: 0, modelDb: -6, effectDb: -8, musicDb: -8 }
const MIX_FIELDS: Array<[keyof Mix, string]> = [
  ['speechDb', 'Speech (dB)'],
  ['modelDb', 'Model audio (dB)'],
  ['effectDb', 'Effects (dB)'],
  ['musicDb', 'Music (dB)']
]

function CornerSelect({ value, onChange, label }: { value: Corner; onChange: (c: Corner) => void; label: string }) {
  return (
    <label className="field compact">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value as Corner)}>
        {CORNERS.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  )
}

/**
 * Channel look: loudness target, logo, "AI-generated" label, lower third,
 * dips, captions of narrated lines and the mix levels — burned into every clip at conform. The preview is a still the core
 * renders from a real shot with exactly these settings; saving re-conforms the
 * library in the background while the old media keeps airing.
 */
export function ChannelLookSettings({ channel }: { channel: Channel }) {
  const update = useChannels((s) => s.update)
  const look = channel.look
  const [target, setTarget] = useState(look.loudness.targetLufs)
  const [logoFile, setLogoFile] = useState<File | null>(null)
  const [removeLogo, setRemoveLogo] = useState(false)
  const [logoPos, setLogoPos] = useState<Corner>(look.logo?.position ?? 'top-right')
  const [logoSize, setLogoSize] = useState(Math.round((look.logo?.size ?? 0.12) * 100))
  const [logoOpacity, setLogoOpacity] = useState(Math.round((look.logo?.opacity ?? 0.85) * 100))
  const [label, setLabel] = useState(look.aiLabel.enabled)
  const [labelText, setLabelText] = useState(look.aiLabel.text)
  const [labelPos, setLabelPos] = useState<Corner>(look.aiLabel.position)
  const [lower, setLower] = useState<'off' | 'title' | 'prompt'>(
    look.lowerThird.enabled ? look.lowerThird.source : 'off'
  )
  const [lowerSeconds, setLowerSeconds] = useState(look.lowerThird.seconds)
  const [dip, setDip] = useState(look.dipSeconds)
  const [captions, setCaptions] = useState<ChannelLookCaptions>(look.captions ?? 'off')
  const [mix, setMix] = useState<Mix>(look.mix ?? DEFAULT_MIX)
  const [preview, setPreview] = useState<{ path: string | null; message: string } | null>(null)
  const [busy, setBusy] = useState<'preview' | 'save' | null>(null)
  const [problem, setProblem] = useState<string | null>(null)

  async function patch(): Promise<LookPatchDto> {
    const hasLogo = !removeLogo && (logoFile !== null || look.logo !== null)
    const logoPath = logoFile ? await pathForImport(getClient(), logoFile, () => {}) : undefined
    return {
      loudnessTargetLufs: target,
      logo: removeLogo
        ? null
        : hasLogo
          ? {
              ...(logoPath ? { path: logoPath } : {}),
              position: logoPos,
              size: logoSize / 100,
              opacity: logoOpacity / 100
            }
          : undefined,
      aiLabel: { enabled: label, text: labelText, position: labelPos },
      lowerThird:
        lower === 'off'
          ? { enabled: false, seconds: lowerSeconds }
          : { enabled: true, source: lower, seconds: lowerSeconds },
      dipSeconds: dip,
      // Sent only when changed: a look that never set them keeps the core's defaults (and its shots' fingerprints).
      ...(captions !== (look.captions ?? 'off') ? { captions } : {}),
      ...(MIX_FIELDS.some(([k]) => mix[k] !== (look.mix ?? DEFAULT_MIX)[k]) ? { mix } : {})
    }
  }

  async function renderPreview(withPatch: boolean) {
    setBusy('preview')
    setProblem(null)
    try {
      const r = await getClient().bridge.invoke('library.channels.previewLook', {
        id: channel.id,
        ...(withPatch ? { look: await patch() } : {})
      })
      setPreview(r)
    } catch (err) {
      setProblem(errorMessage(err))
    } finally {
      setBusy(null)
    }
  }

  // The saved look, rendered once per mount (the settings view remounts this form when the channel changes).
  useEffect(() => {
    let live = true
    getClient()
      .bridge.invoke('library.channels.previewLook', { id: channel.id })
      .then(
        (r) => live && setPreview(r),
        (err: unknown) => live && setProblem(errorMessage(err))
      )
    return () => {
      live = false
    }
  }, [channel.id])

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy('save')
    setProblem(null)
    try {
      const ok = await update(channel.id, { look: await patch() })
      if (ok) {
        setLogoFile(null)
        setRemoveLogo(false)
      }
    } catch (err) {
      setProblem(errorMessage(err))
    } finally {
      setBusy(null)
    }
  }

  const custom = target !== -14 && target !== -23
  return (
    <form className="panel settings-card" onSubmit={(e) => void submit(e)} aria-label="Look and loudness" noValidate>
      <div className="panel-head">
        <h2>Channel look · {channel.name}</h2>
      </div>
      <div className="settings-body">
        <div className="look-preview">
          {preview?.path ? (
            <img src={getClient().bridge.mediaUrl(preview.path)} alt="Preview: a shot of this channel as it will air" />
          ) : (
            <p className="empty">{preview ? preview.message : 'Rendering a preview…'}</p>
          )}
          {preview?.path && <p className="muted small">{preview.message}</p>}
        </div>
        <div className="field-row wrap">
          <label className="field compact">
            <span>Loudness target</span>
            <select
              value={custom ? 'custom' : String(target)}
              onChange={(e) => setTarget(e.target.value === 'custom' ? -16 : Number(e.target.value))}
            >
              <option value="-14">−14 LUFS (streaming)</option>
              <option value="-23">−23 LUFS (EBU R128)</option>
              <option value="custom">Other…</option>
            </select>
          </label>
          {custom && (
            <label className="field compact">
              <span>LUFS (−31…−5)</span>
              <input
                type="number"
                step={0.5}
                min={-31}
                max={-5}
                value={target}
                onChange={(e) => setTarget(Number(e.target.value))}
              />
            </label>
          )}
          <label className="field compact">
            <span>Dip to black (s)</span>
            <input
              type="number"
              step={0.05}
              min={0}
              max={2}
              value={dip}
              onChange={(e) => setDip(Number(e.target.value))}
            />
          </label>
        </div>
        <div className="field-row wrap">
          <label className="field compact">
            <span>Logo (PNG with transparency)</span>
            <input
              type="file"
              accept="image/png"
              aria-label="Logo file"
              onChange={(e) => setLogoFile(e.target.files?.[0] ?? null)}
            />
          </label>
          {look.logo && (
            <label className="switch">
              <input type="checkbox" checked={removeLogo} onChange={(e) => setRemoveLogo(e.target.checked)} /> Remove
              logo
            </label>
          )}
          <CornerSelect label="Logo corner" value={logoPos} onChange={setLogoPos} />
          <label className="field compact">
            <span>Size (% of width)</span>
            <input
              type="number"
              min={2}
              max={50}
              value={logoSize}
              onChange={(e) => setLogoSize(Number(e.target.value))}
            />
          </label>
          <label className="field compact">
            <span>Opacity (%)</span>
            <input
              type="number"
              min={5}
              max={100}
              value={logoOpacity}
              onChange={(e) => setLogoOpacity(Number(e.target.value))}
            />
          </label>
        </div>
        <div className="field-row wrap">
          <label className="switch">
            <input type="checkbox" checked={label} onChange={(e) => setLabel(e.target.checked)} /> Label generated shots
          </label>
          <label className="field compact">
            <span>Label text</span>
            <input type="text" maxLength={60} value={labelText} onChange={(e) => setLabelText(e.target.value)} />
          </label>
          <CornerSelect label="Label corner" value={labelPos} onChange={setLabelPos} />
        </div>
        <div className="field-row wrap">
          <label className="field compact">
            <span>Lower third</span>
            <select value={lower} onChange={(e) => setLower(e.target.value as 'off' | 'title' | 'prompt')}>
              <option value="off">Off</option>
              <option value="title">Shot title</option>
              <option value="prompt">Prompt</option>
            </select>
          </label>
          <label className="field compact">
            <span>For the first (s)</span>
            <input
              type="number"
              min={1}
              max={30}
              value={lowerSeconds}
              onChange={(e) => setLowerSeconds(Number(e.target.value))}
            />
          </label>
        </div>
        <div className="field-row wrap" role="group" aria-label="Captions and mix">
          <label className="field compact">
            <span>Captions</span>
            <select value={captions} onChange={(e) => setCaptions(e.target.value as ChannelLookCaptions)}>
              <option value="off">Off</option>
              <option value="burned">Burned in</option>
              <option value="subtitles">Subtitles only (HLS)</option>
            </select>
          </label>
          {MIX_FIELDS.map(([k, l]) => (
            <label key={k} className="field compact">
              <span>{l}</span>
              <input
                type="number"
                step={1}
                min={-40}
                max={12}
                value={mix[k]}
                onChange={(e) => setMix((m) => ({ ...m, [k]: Number(e.target.value) }))}
              />
            </label>
          ))}
        </div>
        <ErrorNotice message={problem} small />
        <p className="muted small">
          Burned into every clip when it is conformed, so airing stays a copy. Saving redoes the channel&apos;s shots in
          the background; each keeps airing as it is until its new version is ready.
          {channel.reconformPending > 0 ? ` ${channel.reconformPending} shot(s) still being redone.` : ''}
        </p>
        <div className="field-row">
          <button type="submit" className="btn primary" disabled={busy !== null}>
            {busy === 'save' ? 'Saving…' : 'Save look'}
          </button>
          <button type="button" className="btn" disabled={busy !== null} onClick={() => void renderPreview(true)}>
            {busy === 'preview' ? 'Rendering…' : 'Preview'}
          </button>
        </div>
      </div>
    </form>
  )
}
