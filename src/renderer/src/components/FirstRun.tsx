import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { getClient } from '../api/bridge'
import { useGeneration } from '../stores/generation'
import { useChannelAir, useOnAir } from '../stores/onair'
import {
  DEFAULT_CHANNEL_NAME,
  DEFAULT_THEME,
  FIRST_RUN_STEPS,
  setupInput,
  useFirstRun,
  type FirstRunStep
} from '../stores/firstrun'
import { JobList } from './GenerationPanel'
import { SecretInput } from './SecretInput'
import './FirstRun.css'

const STEP_LABEL: Record<FirstRunStep, string> = {
  channel: 'Name & theme',
  backends: 'Writer & video',
  confirm: 'Create',
  generate: 'Generate',
  preview: 'Preview',
  golive: 'Go Live'
}

/**
 * The first run: from an empty studio to a channel on air in one flow. The first
 * three steps only collect; "Create channel" is the one that writes anything.
 */
export function FirstRun() {
  const step = useFirstRun((s) => s.step)
  const channelId = useFirstRun((s) => s.channelId)
  const dismiss = useFirstRun((s) => s.dismiss)
  const current = FIRST_RUN_STEPS.indexOf(step)
  return (
    <main className="first-run" aria-labelledby="first-run-title" data-testid="first-run" data-step={step}>
      <div className="first-run-card">
        <div className="first-run-head">
          <h1 id="first-run-title">Your first channel</h1>
          {channelId === null && (
            <button
              type="button"
              className="btn ghost small"
              onClick={() => void dismiss()}
              title="Go to the empty studio; this setup is not offered again"
            >
              Don’t show this again
            </button>
          )}
        </div>
        <ol className="first-run-steps" aria-label="Steps">
          {FIRST_RUN_STEPS.map((s, i) => (
            <li
              key={s}
              className={i < current ? 'done' : i === current ? 'current' : ''}
              aria-current={i === current ? 'step' : undefined}
            >
              <span className="num">{i + 1}</span> {STEP_LABEL[s]}
            </li>
          ))}
        </ol>
        {step === 'channel' && <ChannelStep />}
        {step === 'backends' && <BackendsStep />}
        {step === 'confirm' && <ConfirmStep />}
        {step === 'generate' && <GenerateStep />}
        {step === 'preview' && <PreviewStep />}
        {step === 'golive' && <GoLiveStep />}
      </div>
    </main>
  )
}

function Actions({ children, skip = true }: { children?: ReactNode; skip?: boolean }) {
  const back = useFirstRun((s) => s.back)
  const doSkip = useFirstRun((s) => s.skip)
  const step = useFirstRun((s) => s.step)
  const channelId = useFirstRun((s) => s.channelId)
  const canGoBack = channelId === null ? step !== 'channel' : step !== 'generate'
  return (
    <div className="first-run-actions">
      {canGoBack && (
        <button type="button" className="btn" onClick={back}>
          Back
        </button>
      )}
      <span className="grow" />
      {skip && (
        <button type="button" className="btn ghost" onClick={doSkip}>
          Skip this step
        </button>
      )}
      {children}
    </div>
  )
}

function ChannelStep() {
  const draft = useFirstRun((s) => s.draft)
  const edit = useFirstRun((s) => s.edit)
  const next = useFirstRun((s) => s.next)
  function submit(e: FormEvent) {
    e.preventDefault()
    next()
  }
  return (
    <form onSubmit={submit} aria-label="Name and theme">
      <p className="lead">
        A channel airs one continuous stream. Give it a name and say what it shows — the writer turns the theme into
        shot prompts.
      </p>
      <label className="field">
        <span>Channel name</span>
        <input
          autoFocus
          value={draft.name}
          maxLength={80}
          placeholder={DEFAULT_CHANNEL_NAME}
          onChange={(e) => edit({ name: e.target.value })}
        />
      </label>
      <label className="field">
        <span>Theme</span>
        <textarea
          rows={3}
          value={draft.theme}
          maxLength={2000}
          placeholder={`e.g. ${DEFAULT_THEME}`}
          onChange={(e) => edit({ theme: e.target.value })}
        />
      </label>
      <Actions>
        <button type="submit" className="btn primary">
          Next
        </button>
      </Actions>
    </form>
  )
}

function BackendsStep() {
  const draft = useFirstRun((s) => s.draft)
  const edit = useFirstRun((s) => s.edit)
  const next = useFirstRun((s) => s.next)
  const missing =
    draft.video === 'hf-inference' && !draft.hfToken.trim()
      ? 'Paste your Hugging Face token, or choose the offline generator.'
      : draft.video === 'comfyui' && !draft.comfyUrl.trim()
        ? 'Give the ComfyUI server’s address, or choose the offline generator.'
        : draft.writer === 'llm' && !draft.llmModel.trim()
          ? 'Name the LLM’s model, or use the built-in writer.'
          : null
  function submit(e: FormEvent) {
    e.preventDefault()
    if (!missing) next()
  }
  return (
    <form onSubmit={submit} aria-label="Writer and video backend">
      <fieldset className="first-run-choice">
        <legend>Video</legend>
        <Choice name="video" checked={draft.video === 'offline'} onPick={() => edit({ video: 'offline' })}>
          <span className="choice-title">
            <strong>Offline generator</strong> (this computer)
          </span>
          <span className="muted">
            Makes short test clips with ffmpeg — moving colour patterns with the prompt as a caption and a tone. No
            account, GPU or network: good for trying the studio end to end. Switch to a real model any time in Settings.
          </span>
        </Choice>
        <Choice name="video" checked={draft.video === 'hf-inference'} onPick={() => edit({ video: 'hf-inference' })}>
          <span className="choice-title">
            <strong>Hugging Face</strong> (Inference Providers)
          </span>
          <span className="muted">Wan 2.2 text-to-video, billed to your Hugging Face account.</span>
        </Choice>
        {draft.video === 'hf-inference' && (
          <SecretInput
            id="first-run-hf-token"
            label="Hugging Face token"
            value={draft.hfToken}
            onChange={(v) => edit({ hfToken: v })}
            placeholder="hf_…  (huggingface.co/settings/tokens)"
          />
        )}
        <Choice name="video" checked={draft.video === 'comfyui'} onPick={() => edit({ video: 'comfyui' })}>
          <span className="choice-title">
            <strong>ComfyUI server</strong> (your GPU)
          </span>
          <span className="muted">Runs the shipped Wan 2.2 workflow on a ComfyUI you run or rent.</span>
        </Choice>
        {draft.video === 'comfyui' && (
          <label className="field">
            <span>ComfyUI address</span>
            <input
              type="url"
              value={draft.comfyUrl}
              placeholder="http://192.168.1.20:8188"
              onChange={(e) => edit({ comfyUrl: e.target.value })}
            />
          </label>
        )}
      </fieldset>
      <fieldset className="first-run-choice">
        <legend>Writer</legend>
        <Choice name="writer" checked={draft.writer === 'template'} onPick={() => edit({ writer: 'template' })}>
          <span className="choice-title">
            <strong>Built-in writer</strong>
          </span>
          <span className="muted">Varies your theme into shot prompts from templates; no network.</span>
        </Choice>
        <Choice name="writer" checked={draft.writer === 'llm'} onPick={() => edit({ writer: 'llm' })}>
          <span className="choice-title">
            <strong>An LLM</strong> (OpenAI-compatible)
          </span>
          <span className="muted">OpenAI, or a local Ollama / llama.cpp / LM Studio server.</span>
        </Choice>
        {draft.writer === 'llm' && (
          <>
            <label className="field">
              <span>Server URL</span>
              <input type="url" value={draft.llmUrl} onChange={(e) => edit({ llmUrl: e.target.value })} />
            </label>
            <label className="field">
              <span>Model</span>
              <input
                value={draft.llmModel}
                placeholder="llama3.1, gpt-4o-mini…"
                onChange={(e) => edit({ llmModel: e.target.value })}
              />
            </label>
            <SecretInput
              id="first-run-llm-key"
              label="API key (none for a local server)"
              value={draft.llmKey}
              onChange={(v) => edit({ llmKey: v })}
            />
          </>
        )}
      </fieldset>
      {missing && <p className="muted small">{missing}</p>}
      <Actions>
        <button type="submit" className="btn primary" disabled={missing !== null}>
          Next
        </button>
      </Actions>
    </form>
  )
}

function Choice({
  name,
  checked,
  onPick,
  children
}: {
  name: string
  checked: boolean
  onPick: () => void
  children: ReactNode
}) {
  return (
    <label className={`choice ${checked ? 'checked' : ''}`}>
      <input type="radio" name={name} checked={checked} onChange={onPick} />
      <span className="choice-body">{children}</span>
    </label>
  )
}

function ConfirmStep() {
  const draft = useFirstRun((s) => s.draft)
  const confirm = useFirstRun((s) => s.confirm)
  const cancel = useFirstRun((s) => s.cancel)
  const go = useFirstRun((s) => s.go)
  const creating = useFirstRun((s) => s.creating)
  const error = useFirstRun((s) => s.error)
  const errorField = useFirstRun((s) => s.errorField)
  const input = setupInput(draft)
  const fixAt: FirstRunStep | null =
    errorField === null ? null : errorField === 'name' || errorField === 'theme' ? 'channel' : 'backends'
  return (
    <section aria-label="Create">
      <p className="lead">Nothing has been saved yet. This creates:</p>
      <dl className="first-run-summary">
        <dt>Channel</dt>
        <dd data-testid="first-run-summary-name">{input.name}</dd>
        <dt>Theme</dt>
        <dd>{input.theme}</dd>
        <dt>Video</dt>
        <dd>
          {input.video.kind === 'offline'
            ? 'Offline generator (this computer)'
            : input.video.kind === 'hf-inference'
              ? 'Hugging Face Inference Providers — Wan 2.2 TI2V 5B (token kept in the secret store)'
              : `ComfyUI at ${input.video.url} — Wan 2.2 text-to-video`}
        </dd>
        <dt>Writer</dt>
        <dd>{input.writer.kind === 'llm' ? `${input.writer.model} at ${input.writer.baseUrl}` : 'Built-in writer'}</dd>
        <dt>Review</dt>
        <dd>New shots air as soon as they are ready (change it in the Generate panel).</dd>
      </dl>
      {error && (
        <div className="error-text" role="alert">
          {error}{' '}
          {fixAt && (
            <button type="button" className="btn small" onClick={() => go(fixAt)}>
              Change it
            </button>
          )}
        </div>
      )}
      <div className="first-run-actions">
        <button type="button" className="btn" onClick={() => go('backends')}>
          Back
        </button>
        <button type="button" className="btn ghost" onClick={cancel}>
          Cancel
        </button>
        <span className="grow" />
        <button type="button" className="btn primary" disabled={creating} onClick={() => void confirm()}>
          {creating ? 'Creating…' : 'Create channel'}
        </button>
      </div>
    </section>
  )
}

const readyFor = (genChannel: number | null, channelId: number | null): boolean =>
  genChannel !== null && genChannel === channelId

const ACTIVE_STATES = new Set(['queued', 'running', 'upscaling', 'interpolating', 'conforming'])

function GenerateStep() {
  const draft = useFirstRun((s) => s.draft)
  const next = useFirstRun((s) => s.next)
  const channelId = useFirstRun((s) => s.channelId)
  const genChannel = useGeneration((s) => s.channelId)
  const writing = useGeneration((s) => s.writing)
  const sending = useGeneration((s) => s.sending)
  const writeError = useGeneration((s) => s.writeError)
  const jobs = useGeneration((s) => s.jobs)
  const [count, setCount] = useState(3)
  // The new channel has no jobs until this step queues its sequence.
  const started = readyFor(genChannel, channelId) && jobs.length > 0
  const ready = readyFor(genChannel, channelId)
  const busy = jobs.some((j) => ACTIVE_STATES.has(j.state))
  const done = started && jobs.length > 0 && !busy

  async function generate() {
    const gen = useGeneration.getState()
    await gen.write({ theme: setupInput(draft).theme, count })
    if (!useGeneration.getState().draft) return
    await useGeneration.getState().send({})
  }

  return (
    <section aria-label="Generate">
      {!started ? (
        <>
          <p className="lead">
            Channel created. Now the writer writes a first sequence of shots and the video backend renders them; each
            shot lands in the library and on the timeline as it finishes.
          </p>
          <label className="field inline">
            <span>Shots</span>
            <input
              type="number"
              min={1}
              max={6}
              value={count}
              onChange={(e) => setCount(Math.max(1, Math.min(6, Number(e.target.value) || 1)))}
            />
          </label>
          {writeError && (
            <p className="error-text" role="alert">
              The writer failed: {writeError}
            </p>
          )}
        </>
      ) : (
        <JobList />
      )}
      <Actions skip={!done}>
        {!started ? (
          <button
            type="button"
            className="btn primary"
            disabled={!ready || writing || sending}
            onClick={() => void generate()}
          >
            {writing ? 'Writing prompts…' : sending ? 'Queuing…' : 'Generate'}
          </button>
        ) : (
          <button type="button" className="btn primary" disabled={!done} onClick={next}>
            {done ? 'Preview the shots' : 'Generating…'}
          </button>
        )}
      </Actions>
    </section>
  )
}

function PreviewStep() {
  const shots = useFirstRun((s) => s.shots)
  const loadShots = useFirstRun((s) => s.loadShots)
  const next = useFirstRun((s) => s.next)
  const jobs = useGeneration((s) => s.jobs)
  const readyCount = jobs.filter((j) => j.state === 'ready').length
  const [pick, setPick] = useState<number | null>(null)
  useEffect(() => {
    void loadShots()
  }, [loadShots, readyCount])
  const playable = shots.filter((s) => s.status === 'ready' && s.mp4Path)
  const shot = playable.find((s) => s.id === pick) ?? playable[0] ?? null
  const bridge = getClient().bridge
  return (
    <section aria-label="Preview">
      {shot ? (
        <>
          <video
            key={shot.id}
            className="first-run-video"
            data-testid="first-run-preview"
            src={bridge.mediaUrl(shot.mp4Path!)}
            poster={shot.posterPath ? bridge.mediaUrl(shot.posterPath) : undefined}
            controls
            autoPlay
            muted
            playsInline
          />
          <p className="muted small">{shot.prompt}</p>
          <div className="first-run-shots" role="list" aria-label="New shots">
            {playable.map((s, i) => (
              <button
                key={s.id}
                type="button"
                role="listitem"
                className={`btn small ${s.id === shot.id ? 'primary' : ''}`}
                aria-pressed={s.id === shot.id}
                onClick={() => setPick(s.id)}
              >
                Shot {i + 1}
              </button>
            ))}
          </div>
        </>
      ) : (
        <p className="lead">
          No shot is ready yet. Go live anyway: a standby slate airs until the first shot is ready, then the timeline
          takes over.
        </p>
      )}
      <Actions>
        <button type="button" className="btn primary" onClick={next}>
          Next
        </button>
      </Actions>
    </section>
  )
}

function GoLiveStep() {
  const channelId = useFirstRun((s) => s.channelId)
  const finish = useFirstRun((s) => s.finish)
  const air = useChannelAir(channelId)
  const requesting = useOnAir((s) => (channelId === null ? undefined : s.requesting[channelId]))
  const headless = getClient().bridge.shell === 'headless'
  const watchUrl = air ? `/watch#${encodeURIComponent(air.stream)}` : '/watch'
  const state = air?.state ?? 'offline'
  const onAir = state === 'live' || state === 'starting' || state === 'reconnecting'
  // The engine refused (a port in use…): its reason is in the notice; say so here too.
  const [failed, setFailed] = useState(false)

  function goLive() {
    if (channelId === null) return
    // Opened inside the click (a later, programmatic open would be blocked); the watch page picks the stream up when it starts.
    if (headless) window.open(watchUrl, '_blank', 'noopener')
    setFailed(false)
    void useOnAir
      .getState()
      .start(channelId)
      .then(() => {
        const st = useOnAir.getState().status[channelId]?.state
        setFailed(st === undefined || st === 'offline')
      })
  }

  return (
    <section aria-label="Go Live">
      <p className="lead">
        Go Live airs the timeline as one continuous stream to the studio’s own RTMP server on this computer — no
        platform, no stream key. Add Twitch, YouTube or others later under Go Live.
      </p>
      <p className="first-run-air" data-testid="first-run-air" data-state={state} role="status" aria-live="polite">
        {state === 'live'
          ? 'On air.'
          : state === 'starting'
            ? 'Starting…'
            : state === 'error'
              ? `Could not go live: ${air?.message ?? 'see the notices'}`
              : state === 'reconnecting'
                ? 'Reconnecting…'
                : 'Off air.'}
      </p>
      {failed && state === 'offline' && (
        <p className="error-text" role="alert">
          Could not go live: the notice says why and what to change. Then try again.
        </p>
      )}
      {onAir &&
        (headless ? (
          <p>
            <a href={watchUrl} target="_blank" rel="noopener noreferrer" data-testid="first-run-watch-link">
              Open the watch page ↗
            </a>{' '}
            <span className="muted small">
              — what viewers see; share it on your network with <code>webtv serve --lan</code>.
            </span>
          </p>
        ) : (
          <p className="muted">The live monitor in the studio plays the stream.</p>
        ))}
      <Actions skip={false}>
        {!onAir && (
          <button
            type="button"
            className="btn golive"
            disabled={channelId === null || requesting !== undefined}
            onClick={goLive}
          >
            {requesting === 'start' ? 'Starting…' : 'Go Live locally'}
          </button>
        )}
        <button type="button" className={`btn ${onAir ? 'primary' : 'ghost'}`} onClick={finish}>
          {onAir ? 'Open the studio' : 'Skip — open the studio'}
        </button>
      </Actions>
    </section>
  )
}
