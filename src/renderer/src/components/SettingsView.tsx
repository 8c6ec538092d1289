import { useEffect, useState, type FormEvent } from 'react'
import { dataUrlToBlob } from '../lib/data-url'
import type { ChannelDto as Channel } from '../../../shared/contract/library'
import { BACKEND_KEYS, STEP_NAMES, type StepBackend, type StepName } from '../../../shared/contract/generation'
import { useChannels, useSelectedChannel } from '../stores/channels'
import { useConnection } from '../stores/connection'
import { useSettings } from '../stores/settings'
import { SecretInput } from './SecretInput'
import { ComfyServers, ComfyWorkflowField } from './ComfyServers'
import { BackendKindFields, kindOptions } from './BackendKindFields'
import { ChannelLookSettings } from './ChannelLookSettings'
import { EffectSettings } from './EffectSettings'
import { GateSettings } from './GateSettings'

export function SettingsView() {
  const channel = useSelectedChannel()
  const load = useSettings((s) => s.load)
  const channelId = channel?.id ?? null
  useEffect(() => {
    void load(channelId)
  }, [channelId, load])
  return (
    <div className="settings-grid">
      {channel ? (
        <ChannelSettings key={`${channel.id}:${channel.updatedAt}`} channel={channel} />
      ) : (
        <section className="panel settings-card">
          <p className="empty">Create a channel to set its format and backends.</p>
        </section>
      )}
      {channel && <ChannelLookSettings key={`look:${channel.id}:${channel.updatedAt}`} channel={channel} />}
      {channel && <BackendSettings channelId={channel.id} />}
      {channel && <ComfyServers channelId={channel.id} />}
      {channel && <GateSettings />}
      <LlmSettings />
      <VoiceSettings />
      <EffectSettings />
      <PortSettings />
      <StudioInfo />
    </div>
  )
}

const SIZES = ['1024x576', '1280x720', '854x480', '640x360', '1920x1080']

function ChannelSettings({ channel }: { channel: Channel }) {
  const update = useChannels((s) => s.update)
  const [name, setName] = useState(channel.name)
  const [theme, setTheme] = useState(channel.theme)
  const [style, setStyle] = useState(channel.style)
  const [size, setSize] = useState(`${channel.format.width}x${channel.format.height}`)
  const [fps, setFps] = useState(channel.format.fps)
  const [kbps, setKbps] = useState(channel.format.videoKbps)
  const [review, setReview] = useState(channel.reviewPolicy)
  const [maxClip, setMaxClip] = useState(channel.maxClipSeconds)
  const sizes = SIZES.includes(size) ? SIZES : [size, ...SIZES]

  function submit(e: FormEvent) {
    e.preventDefault()
    const [w, h] = size.split('x').map(Number) as [number, number]
    const format: Partial<Channel['format']> = {}
    if (w !== channel.format.width || h !== channel.format.height) Object.assign(format, { width: w, height: h })
    if (fps !== channel.format.fps) format.fps = fps
    if (kbps !== channel.format.videoKbps)
      Object.assign(format, { videoKbps: kbps, videoMaxKbps: Math.max(kbps, Math.round(kbps * 1.25)) })
    void update(channel.id, {
      ...(name.trim() !== channel.name ? { name: name.trim() } : {}),
      ...(theme !== channel.theme ? { theme } : {}),
      ...(style !== channel.style ? { style } : {}),
      ...(review !== channel.reviewPolicy ? { reviewPolicy: review } : {}),
      ...(maxClip !== channel.maxClipSeconds ? { maxClipSeconds: maxClip } : {}),
      ...(Object.keys(format).length ? { format } : {})
    })
  }

  return (
    <form className="panel settings-card" onSubmit={submit} aria-label="Channel">
      <div className="panel-head">
        <h2>Channel · {channel.name}</h2>
      </div>
      <div className="settings-body">
        <label className="field">
          <span>Name</span>
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} maxLength={80} />
        </label>
        <label className="field">
          <span>Theme (the autopilot writes from it)</span>
          <textarea rows={2} value={theme} onChange={(e) => setTheme(e.target.value)} maxLength={4000} />
        </label>
        <label className="field">
          <span>Style and characters (repeated in every prompt)</span>
          <textarea rows={2} value={style} onChange={(e) => setStyle(e.target.value)} maxLength={4000} />
        </label>
        <div className="field-row wrap">
          <label className="field compact">
            <span>Frame size</span>
            <select value={size} onChange={(e) => setSize(e.target.value)}>
              {sizes.map((s) => (
                <option key={s} value={s}>
                  {s.replace('x', ' × ')}
                </option>
              ))}
            </select>
          </label>
          <label className="field compact">
            <span>Frame rate</span>
            <select value={fps} onChange={(e) => setFps(Number(e.target.value))}>
              {[24, 25, 30].map((f) => (
                <option key={f} value={f}>
                  {f} fps
                </option>
              ))}
            </select>
          </label>
          <label className="field compact">
            <span>Video kb/s</span>
            <input
              type="number"
              min={300}
              max={8000}
              step={100}
              value={kbps}
              onChange={(e) => setKbps(Number(e.target.value))}
            />
          </label>
          <label className="field compact">
            <span>Longest clip (s)</span>
            <input
              type="number"
              min={1}
              max={3600}
              value={maxClip}
              onChange={(e) => setMaxClip(Number(e.target.value))}
            />
          </label>
        </div>
        <label className="switch">
          <input
            type="checkbox"
            checked={review === 'manual'}
            onChange={(e) => setReview(e.target.checked ? 'manual' : 'auto')}
          />{' '}
          Hold new shots for review before they air
        </label>
        <p className="muted small">
          Changing the size or frame rate re-conforms every shot of the channel in the background.
        </p>
        <button type="submit" className="btn primary">
          Save channel
        </button>
      </div>
    </form>
  )
}

const STEP_LABEL: Record<StepName, string> = {
  video: 'Text to video',
  upscale: 'Upscale',
  interpolate: 'Frame interpolation',
  music: 'Music'
}

function BackendSettings({ channelId }: { channelId: number }) {
  const backends = useSettings((s) => s.backends)
  if (!backends)
    return (
      <section className="panel settings-card" aria-label="Backends">
        <p className="empty">Reading backends…</p>
      </section>
    )
  return <BackendForm key={JSON.stringify(backends)} channelId={channelId} />
}

function BackendForm({ channelId }: { channelId: number }) {
  const backends = useSettings((s) => s.backends)!
  const save = useSettings((s) => s.saveBackends)
  const test = useSettings((s) => s.testBackends)
  const testing = useSettings((s) => s.testing)
  const results = useSettings((s) => s.testResults)
  const [steps, setSteps] = useState<Record<StepName, StepBackend>>({
    video: backends.settings.video,
    upscale: backends.settings.upscale,
    interpolate: backends.settings.interpolate,
    music: backends.settings.music
  })
  // Typed keys, by field (BACKEND_KEYS); sent only when typed, then cleared.
  const [keys, setKeys] = useState<Record<string, string>>({})

  function patch(step: StepName, p: Partial<StepBackend>) {
    setSteps((s) => ({ ...s, [step]: { ...s[step], ...p } }))
  }
  function submit(e: FormEvent) {
    e.preventDefault()
    const typed = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== ''))
    void save({ channelId, settings: steps, ...(Object.keys(typed).length ? { keys: typed } : {}) }).then((ok) => {
      if (ok) setKeys({})
    })
  }

  return (
    <form className="panel settings-card" onSubmit={submit} aria-label="Backends">
      <div className="panel-head">
        <h2>Backends</h2>
      </div>
      <div className="settings-body">
        {STEP_NAMES.map((step) => {
          const b = steps[step]
          return (
            <fieldset key={step} className="step-backend">
              <legend>{STEP_LABEL[step]}</legend>
              <div className="field-row wrap">
                {step !== 'video' && (
                  <label className="switch small">
                    <input
                      type="checkbox"
                      checked={b.enabled}
                      onChange={(e) => patch(step, { enabled: e.target.checked })}
                    />{' '}
                    Use
                  </label>
                )}
                <label className="field compact">
                  <span>Runs on</span>
                  <select
                    aria-label={`${STEP_LABEL[step]} runs on`}
                    value={b.backend}
                    onChange={(e) => {
                      const backend = e.target.value as StepBackend['backend']
                      // ComfyUI needs a workflow: the shipped one for the step until the user picks another.
                      patch(step, {
                        backend,
                        ...(backend === 'comfyui' && !b.comfyui
                          ? { comfyui: { workflow: step === 'music' ? 'ace-step' : 'wan22-t2v' } }
                          : {})
                      })
                    }}
                  >
                    {kindOptions(step).map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              <BackendKindFields step={step} value={b} onChange={(p) => patch(step, p)} />
              {b.backend === 'comfyui' && (
                <ComfyWorkflowField step={step} value={b.comfyui} onChange={(comfyui) => patch(step, { comfyui })} />
              )}
              {b.backend === 'gradio' && (
                <label className="field">
                  <span>Space ids or URLs (one per line; several copies run in parallel)</span>
                  <textarea
                    rows={2}
                    value={b.spaces.join('\n')}
                    onChange={(e) =>
                      patch(step, {
                        spaces: e.target.value
                          .split('\n')
                          .map((s) => s.trim())
                          .filter(Boolean)
                      })
                    }
                    placeholder="owner/space-name"
                  />
                </label>
              )}
            </fieldset>
          )
        })}
        {BACKEND_KEYS.filter((k) => !k.elsewhere).map((k) => {
          const stored = backends.keys?.[k.field]
          return (
            <SecretInput
              key={k.field}
              id={`key-${k.field}`}
              label={`${k.label}${stored ? ` (stored: ${stored})` : ' (none stored)'}`}
              value={keys[k.field] ?? ''}
              onChange={(v) => setKeys((x) => ({ ...x, [k.field]: v }))}
              placeholder={k.placeholder ?? '(leave empty to keep)'}
            />
          )
        })}
        <div className="field-row">
          <button type="submit" className="btn primary">
            Save backends
          </button>
          <button type="button" className="btn" disabled={testing} onClick={() => void test(channelId)}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
        </div>
        {results && (
          <ul className="test-results" aria-label="Connection test results">
            {results.length === 0 && (
              <li className="muted">Nothing to connect to: every step runs on this computer.</li>
            )}
            {results.map((r, i) => (
              <li key={i} className={r.ok ? 'ok' : 'bad'}>
                <strong>
                  {r.ok ? '✓' : '✕'} {r.step} · {r.kind ? `${r.kind} · ` : ''}
                  {r.space}
                </strong>
                <span>{r.message}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </form>
  )
}

function LlmSettings() {
  const llm = useSettings((s) => s.llm)
  if (!llm) return null
  return <LlmForm key={JSON.stringify(llm)} />
}

function LlmForm() {
  const llm = useSettings((s) => s.llm)!
  const save = useSettings((s) => s.saveLlm)
  const [baseUrl, setBaseUrl] = useState(llm.baseUrl)
  const [model, setModel] = useState(llm.model)
  const [enabled, setEnabled] = useState(llm.enabled)
  const [key, setKey] = useState('')
  function submit(e: FormEvent) {
    e.preventDefault()
    // Like the HF token: once stored, the typed key leaves the page (the mask may not change).
    void save({ baseUrl, model, enabled, ...(key ? { apiKey: key } : {}) }).then((ok) => ok && setKey(''))
  }
  return (
    <form className="panel settings-card" onSubmit={submit} aria-label="Prompt writer (LLM)">
      <div className="panel-head">
        <h2>Prompt writer (LLM)</h2>
      </div>
      <div className="settings-body">
        <label className="switch">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Use an LLM to write
          prompts (otherwise the offline template)
        </label>
        <label className="field">
          <span>Server URL (OpenAI, or a local Ollama / llama.cpp / LM Studio)</span>
          <input
            type="url"
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
            placeholder="http://127.0.0.1:11434/v1"
          />
        </label>
        <label className="field">
          <span>Model</span>
          <input type="text" value={model} onChange={(e) => setModel(e.target.value)} />
        </label>
        <SecretInput
          id="llm-key"
          label={`API key${llm.apiKey ? ` (stored: ${llm.apiKey})` : ' (none stored)'}`}
          value={key}
          onChange={setKey}
          placeholder="leave empty to keep"
        />
        <button type="submit" className="btn primary">
          Save writer
        </button>
      </div>
    </form>
  )
}

function VoiceSettings() {
  const voice = useSettings((s) => s.voice)
  if (!voice) return null
  return <VoiceForm key={JSON.stringify(voice)} />
}

/** Who speaks the show's lines: the OS voice (offline), an OpenAI-compatible speech server, HF Inference or fal; "Test voice" plays a sample the core speaks. */
function VoiceForm() {
  const voice = useSettings((s) => s.voice)!
  const save = useSettings((s) => s.saveVoice)
  const test = useSettings((s) => s.testVoice)
  const testing = useSettings((s) => s.testingVoice)
  const [provider, setProvider] = useState(voice.provider)
  const [baseUrl, setBaseUrl] = useState(voice.baseUrl)
  const [model, setModel] = useState(voice.model)
  const [name, setName] = useState(voice.voice)
  const [rate, setRate] = useState(voice.rate)
  const [key, setKey] = useState('')
  const [sample, setSample] = useState<{ audio: string; caption: string } | null>(null)
  const dirty =
    provider !== voice.provider ||
    baseUrl !== voice.baseUrl ||
    model !== voice.model ||
    name !== voice.voice ||
    rate !== voice.rate ||
    key !== ''
  function submit(e: FormEvent) {
    e.preventDefault()
    void save({ provider, baseUrl, model, voice: name, rate, ...(key ? { apiKey: key } : {}) }).then(
      (ok) => ok && setKey('')
    )
  }
  // The sample plays from a blob: URL (the page's CSP allows blob: media, not data:); freed when replaced or gone.
  useEffect(() => (sample ? () => URL.revokeObjectURL(sample.audio) : undefined), [sample])
  async function runTest() {
    const r = await test({})
    if (r)
      setSample({
        audio: URL.createObjectURL(dataUrlToBlob(r.audio)),
        caption: `${r.provider} · ${r.seconds.toFixed(1)} s`
      })
  }
  return (
    <form className="panel settings-card" onSubmit={submit} aria-label="Voice">
      <div className="panel-head">
        <h2>Voice (show lines)</h2>
      </div>
      <div className="settings-body">
        <label className="field">
          <span>Speaks the lines</span>
          <select value={provider} onChange={(e) => setProvider(e.target.value as typeof provider)}>
            <option value="os">{voice.osLabel}</option>
            <option value="openai">OpenAI-compatible speech server</option>
            <option value="hf">Hugging Face Inference (the HF token in Backends)</option>
            <option value="fal">fal (the fal key in Backends)</option>
          </select>
        </label>
        {provider === 'os' && voice.osMissing && <p className="warn-text small">{voice.osMissing}</p>}
        {(provider === 'hf' || provider === 'fal') && (
          <label className="field">
            <span>{provider === 'hf' ? 'Text-to-speech model' : 'fal TTS endpoint'}</span>
            <input
              type="text"
              value={model}
              onChange={(e) => setModel(e.target.value)}
              placeholder={provider === 'hf' ? 'hexgrad/Kokoro-82M' : 'fal-ai/kokoro/american-english'}
            />
          </label>
        )}
        {provider === 'openai' && (
          <>
            <label className="field">
              <span>Server URL (Kokoro-FastAPI, LocalAI, OpenAI)</span>
              <input
                type="url"
                value={baseUrl}
                onChange={(e) => setBaseUrl(e.target.value)}
                placeholder="http://127.0.0.1:8880/v1"
              />
            </label>
            <label className="field">
              <span>Model</span>
              <input type="text" value={model} onChange={(e) => setModel(e.target.value)} placeholder="kokoro" />
            </label>
            <SecretInput
              id="voice-key"
              label={`API key${voice.apiKey ? ` (stored: ${voice.apiKey})` : ' (none stored)'}`}
              value={key}
              onChange={setKey}
              placeholder="leave empty to keep"
            />
          </>
        )}
        <div className="field-row wrap">
          <label className="field compact grow">
            <span>Voice (where a character has none)</span>
            <input
              type="text"
              maxLength={60}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder={provider === 'os' ? 'e.g. en-us+f3' : 'e.g. alloy, af_bella'}
            />
          </label>
          <label className="field compact">
            <span>Rate</span>
            <input
              type="number"
              min={0.5}
              max={2}
              step={0.1}
              value={rate}
              onChange={(e) => setRate(Number(e.target.value))}
            />
          </label>
        </div>
        <div className="field-row">
          <button type="submit" className="btn primary" disabled={!dirty}>
            Save voice
          </button>
          <button
            type="button"
            className="btn"
            disabled={testing || dirty}
            title={dirty ? 'Save first: the test speaks with the saved settings' : 'Speak a sample line'}
            onClick={() => void runTest()}
          >
            {testing ? 'Speaking…' : 'Test voice'}
          </button>
        </div>
        {sample && (
          <div className="field">
            <audio controls autoPlay src={sample.audio} aria-label="Voice sample" />
            <span className="muted small">{sample.caption}</span>
          </div>
        )}
      </div>
    </form>
  )
}

function PortSettings() {
  const ports = useSettings((s) => s.ports)
  if (!ports) return null
  return <PortForm key={JSON.stringify(ports)} />
}

function PortForm() {
  const ports = useSettings((s) => s.ports)!
  const save = useSettings((s) => s.savePorts)
  const [rtmpPort, setRtmp] = useState(ports.rtmpPort)
  const [httpPort, setHttp] = useState(ports.httpPort)
  const [lan, setLan] = useState(ports.listenOnLan)
  const problem =
    rtmpPort === httpPort
      ? 'The RTMP and HTTP-FLV ports must differ.'
      : [rtmpPort, httpPort].some((p) => !Number.isInteger(p) || p < 1 || p > 65535)
        ? 'Ports are whole numbers from 1 to 65535.'
        : null
  return (
    <form
      className="panel settings-card"
      aria-label="Stream server"
      onSubmit={(e) => {
        e.preventDefault()
        if (!problem) void save({ rtmpPort, httpPort, listenOnLan: lan })
      }}
    >
      <div className="panel-head">
        <h2>Stream server</h2>
      </div>
      <div className="settings-body">
        <div className="field-row wrap">
          <label className="field compact">
            <span>RTMP port</span>
            <input
              type="number"
              min={1}
              max={65535}
              value={rtmpPort}
              onChange={(e) => setRtmp(Number(e.target.value))}
            />
          </label>
          <label className="field compact">
            <span>HTTP-FLV port</span>
            <input
              type="number"
              min={1}
              max={65535}
              value={httpPort}
              onChange={(e) => setHttp(Number(e.target.value))}
            />
          </label>
        </div>
        <label className="switch">
          <input type="checkbox" checked={lan} onChange={(e) => setLan(e.target.checked)} /> Share on the local network
          (viewers on other machines can watch)
        </label>
        {problem && <p className="error-text">{problem}</p>}
        <button type="submit" className="btn primary" disabled={problem !== null}>
          Save stream server
        </button>
      </div>
    </form>
  )
}

/** Which ffmpeg/ffprobe the core resolved, and from where (bundled, PATH, WEBTV_*). */
function ToolRow({
  tool
}: {
  tool: { name: string; path: string | null; source: string | null; error: string | null }
}) {
  return (
    <>
      <dt>{tool.name}</dt>
      {tool.path ? (
        <dd className="mono" title={tool.path} data-testid={`tool-${tool.name}`}>
          {tool.path} <span className="muted">({tool.source})</span>
        </dd>
      ) : (
        <dd className="error" data-testid={`tool-${tool.name}`}>
          {tool.error}
        </dd>
      )}
    </>
  )
}

function StudioInfo() {
  const info = useConnection((s) => s.info)
  return (
    <section className="panel settings-card" aria-label="Studio">
      <div className="panel-head">
        <h2>Studio</h2>
      </div>
      <div className="settings-body">
        {info ? (
          <dl className="meta two">
            <dt>Version</dt>
            <dd>{info.version}</dd>
            <dt>Running as</dt>
            <dd>{info.shell === 'electron' ? 'desktop app' : 'headless server (webtv serve)'}</dd>
            <dt>Data folder</dt>
            <dd className="mono" title={info.dataDir}>
              {info.dataDir}
            </dd>
            <dt>Platform</dt>
            <dd>{info.platform}</dd>
            {info.tools.map((t) => (
              <ToolRow key={t.name} tool={t} />
            ))}
          </dl>
        ) : (
          <p className="muted">Waiting for the core…</p>
        )}
        <p className="muted small">
          To use another data folder, start the studio with --data-dir DIR (or set WEBTV_DATA_DIR).
        </p>
      </div>
    </section>
  )
}
