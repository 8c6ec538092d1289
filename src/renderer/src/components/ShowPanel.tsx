import { useState, type FormEvent } from 'react'
import type { ShowDto } from '../../../shared/contract/show'
import type { JobState } from '../../../shared/contract/generation'
import { fromDraft, speakerChoices, toDraft, type ShotDraft } from '../lib/show-draft'
import { useSelectedChannel } from '../stores/channels'
import { useGeneration } from '../stores/generation'
import { useShow } from '../stores/show'

type Bible = NonNullable<ShowDto['bible']>
type StoredSequence = ShowDto['sequences'][number]

/**
 * The channel's show: its bible, the planned sequences and their shots (action,
 * line and speaker, effect cue, length), written from a theme, edited (each save
 * one undoable step in the core) and produced into generation jobs.
 */
export function ShowPanel() {
  const channel = useSelectedChannel()
  const show = useShow((s) => s.show)
  if (!channel) return <p className="empty">Create a channel to plan a show for it.</p>
  return (
    <div className="show-panel">
      {show?.bible ? (
        // With a plan on screen, writing another is the rarer act: folded away above it.
        <details className="show-box">
          <summary>Write a new plan</summary>
          <WritePlanForm key={channel.id} defaultTheme={channel.theme} hasPlan />
        </details>
      ) : (
        <WritePlanForm key={channel.id} defaultTheme={channel.theme} hasPlan={false} />
      )}
      {show === null ? (
        <p className="muted small">Reading the show plan…</p>
      ) : show.bible === null ? (
        <p className="muted small">No show plan yet: write one from a theme.</p>
      ) : (
        <>
          <BibleEditor key={JSON.stringify(show.bible)} bible={show.bible} />
          <section aria-label="Sequences" className="show-sequences">
            <h3>Sequences</h3>
            {show.sequences.map((seq, i) => (
              <SequenceEditor key={JSON.stringify(seq)} seq={seq} index={i} bible={show.bible!} />
            ))}
          </section>
        </>
      )}
    </div>
  )
}

function WritePlanForm({ defaultTheme, hasPlan }: { defaultTheme: string; hasPlan: boolean }) {
  const write = useShow((s) => s.write)
  const writing = useShow((s) => s.writing)
  const [theme, setTheme] = useState(defaultTheme)
  const [sequences, setSequences] = useState(1)
  const [shots, setShots] = useState(4)
  const [writer, setWriter] = useState<'template' | 'llm'>('template')
  const [keepBible, setKeepBible] = useState(false)
  function submit(e: FormEvent) {
    e.preventDefault()
    void write({ theme: theme.trim(), sequences, shotsPerSequence: shots, writer, keepBible })
  }
  return (
    <form className="write-form" onSubmit={submit} aria-label="Write a plan">
      <label className="field">
        <span>Theme</span>
        <textarea
          rows={2}
          value={theme}
          onChange={(e) => setTheme(e.target.value)}
          placeholder="e.g. a lighthouse keeper and her cat through a stormy night"
          maxLength={2000}
        />
      </label>
      <div className="field-row wrap">
        <label className="field compact">
          <span>Sequences</span>
          <input
            type="number"
            min={1}
            max={20}
            value={sequences}
            onChange={(e) => setSequences(Math.max(1, Math.min(20, Number(e.target.value) || 1)))}
          />
        </label>
        <label className="field compact">
          <span>Shots each</span>
          <input
            type="number"
            min={1}
            max={30}
            value={shots}
            onChange={(e) => setShots(Math.max(1, Math.min(30, Number(e.target.value) || 1)))}
          />
        </label>
        <label className="field compact grow">
          <span>Writer</span>
          <select value={writer} onChange={(e) => setWriter(e.target.value as 'template' | 'llm')}>
            <option value="template">Offline template</option>
            <option value="llm">LLM (Settings)</option>
          </select>
        </label>
      </div>
      {hasPlan && (
        <label className="switch small">
          <input type="checkbox" checked={keepBible} onChange={(e) => setKeepBible(e.target.checked)} /> Keep the bible
          (new sequences only)
        </label>
      )}
      <button type="submit" className="btn primary" disabled={writing || theme.trim().length < 3}>
        {writing ? 'Writing the plan…' : hasPlan ? 'Write a new plan' : 'Write a plan'}
      </button>
      {hasPlan && <p className="muted small">A new plan replaces this one; Undo brings it back.</p>}
    </form>
  )
}

function BibleEditor({ bible }: { bible: Bible }) {
  const save = useShow((s) => s.setBible)
  const [draft, setDraft] = useState<Bible>(bible)
  const setChar = (i: number, p: Partial<Bible['characters'][number]>) =>
    setDraft((d) => ({ ...d, characters: d.characters.map((c, j) => (j === i ? { ...c, ...p } : c)) }))
  const changed = JSON.stringify(draft) !== JSON.stringify(bible)
  return (
    <details className="show-box" open>
      <summary>Bible</summary>
      <form
        aria-label="Bible"
        onSubmit={(e) => {
          e.preventDefault()
          void save(draft)
        }}
      >
        <label className="field">
          <span>Setting</span>
          <textarea
            rows={2}
            maxLength={400}
            value={draft.setting}
            onChange={(e) => setDraft({ ...draft, setting: e.target.value })}
          />
        </label>
        <label className="field">
          <span>Style and palette</span>
          <textarea
            rows={2}
            maxLength={300}
            value={draft.style}
            onChange={(e) => setDraft({ ...draft, style: e.target.value })}
          />
        </label>
        <label className="field">
          <span>Narrator voice (empty: the voice in Settings)</span>
          <input
            type="text"
            maxLength={60}
            value={draft.narrator.voice}
            placeholder="e.g. en-us+f3, alloy"
            onChange={(e) => setDraft({ ...draft, narrator: { voice: e.target.value } })}
          />
        </label>
        <h3>Characters</h3>
        <ul className="show-characters">
          {draft.characters.map((c, i) => (
            <li key={i}>
              <div className="field-row">
                <input
                  type="text"
                  aria-label={`Name of character ${i + 1}`}
                  maxLength={60}
                  value={c.name}
                  onChange={(e) => setChar(i, { name: e.target.value })}
                />
                <input
                  type="text"
                  aria-label={`Voice of character ${i + 1}`}
                  placeholder="voice"
                  maxLength={60}
                  value={c.voice}
                  onChange={(e) => setChar(i, { voice: e.target.value })}
                />
                <button
                  type="button"
                  className="btn small ghost"
                  aria-label={`Remove character ${i + 1}`}
                  onClick={() => setDraft((d) => ({ ...d, characters: d.characters.filter((_, j) => j !== i) }))}
                >
                  ×
                </button>
              </div>
              <textarea
                rows={2}
                aria-label={`Look of character ${i + 1}`}
                placeholder="Fixed look, repeated in every prompt they appear in"
                maxLength={300}
                value={c.look}
                onChange={(e) => setChar(i, { look: e.target.value })}
              />
            </li>
          ))}
        </ul>
        <div className="field-row">
          <button
            type="button"
            className="btn small"
            disabled={draft.characters.length >= 12}
            onClick={() =>
              setDraft((d) => ({ ...d, characters: [...d.characters, { name: '', look: '', voice: '' }] }))
            }
          >
            + Character
          </button>
          <button type="submit" className="btn primary small" disabled={!changed}>
            Save bible
          </button>
        </div>
      </form>
    </details>
  )
}

function SequenceEditor({ seq, index, bible }: { seq: StoredSequence; index: number; bible: Bible }) {
  const save = useShow((s) => s.updateSequence)
  const [title, setTitle] = useState(seq.title)
  const [synopsis, setSynopsis] = useState(seq.synopsis)
  const [shots, setShots] = useState<ShotDraft[]>(() => seq.shots.map(toDraft))
  const names = bible.characters.map((c) => c.name)
  const setShot = (i: number, p: Partial<ShotDraft>) =>
    setShots((all) => all.map((s, j) => (j === i ? { ...s, ...p } : s)))
  const planned = shots.map(fromDraft)
  // Any touch of the form counts (a speaker picked before the words are typed too): Produce waits for a save.
  const changed =
    title !== seq.title || synopsis !== seq.synopsis || JSON.stringify(shots) !== JSON.stringify(seq.shots.map(toDraft))
  function submit(e: FormEvent) {
    e.preventDefault()
    void save(seq.id, { title, synopsis, shots: planned })
  }
  return (
    <details className="show-box" open={index === 0} data-testid="show-sequence">
      <summary>
        {seq.title} <span className="muted small">· {seq.shots.length} shots</span>
      </summary>
      <form aria-label={`Sequence ${index + 1}`} onSubmit={submit}>
        <label className="field">
          <span>Title</span>
          <input type="text" maxLength={120} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label className="field">
          <span>Synopsis</span>
          <textarea rows={2} maxLength={600} value={synopsis} onChange={(e) => setSynopsis(e.target.value)} />
        </label>
        <ol className="show-shots">
          {shots.map((s, i) => (
            <li key={i} data-testid="show-shot">
              <label className="field">
                <span>Shot {i + 1} · action (the prompt, with the bible added)</span>
                <textarea
                  rows={2}
                  maxLength={400}
                  aria-label={`Action of shot ${i + 1}`}
                  value={s.action}
                  onChange={(e) => setShot(i, { action: e.target.value })}
                />
              </label>
              <div className="field-row wrap">
                <label className="field compact">
                  <span>Line</span>
                  <select
                    aria-label={`Speaker of shot ${i + 1}`}
                    value={s.speaker}
                    onChange={(e) => setShot(i, { speaker: e.target.value })}
                  >
                    <option value="">No line</option>
                    {speakerChoices(names, s.speaker).map((n) => (
                      <option key={n} value={n}>
                        {n}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field compact grow">
                  <span>Effect cue</span>
                  <input
                    type="text"
                    maxLength={120}
                    aria-label={`Effect of shot ${i + 1}`}
                    placeholder="e.g. rain on a tin roof"
                    value={s.effect}
                    onChange={(e) => setShot(i, { effect: e.target.value })}
                  />
                </label>
                <label className="field compact">
                  <span>Seconds</span>
                  <input
                    type="number"
                    min={1}
                    max={20}
                    step={0.5}
                    value={s.seconds}
                    onChange={(e) => setShot(i, { seconds: Number(e.target.value) })}
                  />
                </label>
              </div>
              {s.speaker && (
                <textarea
                  rows={2}
                  maxLength={600}
                  aria-label={`Line of shot ${i + 1}`}
                  placeholder={`What ${s.speaker} says`}
                  value={s.text}
                  onChange={(e) => setShot(i, { text: e.target.value })}
                />
              )}
              {names.length > 0 && (
                <div className="field-row wrap show-cast" aria-label={`Characters in shot ${i + 1}`} role="group">
                  {names.map((n) => (
                    <label key={n} className="switch small">
                      <input
                        type="checkbox"
                        checked={s.characters.includes(n)}
                        onChange={(e) =>
                          setShot(i, {
                            characters: e.target.checked ? [...s.characters, n] : s.characters.filter((c) => c !== n)
                          })
                        }
                      />
                      {n}
                    </label>
                  ))}
                </div>
              )}
            </li>
          ))}
        </ol>
        <div className="field-row">
          <button type="submit" className="btn primary small" disabled={!changed}>
            Save sequence
          </button>
          <ProduceButton seq={seq} dirty={changed} />
        </div>
        <ProduceProgress seq={seq} />
      </form>
    </details>
  )
}

function ProduceButton({ seq, dirty }: { seq: StoredSequence; dirty: boolean }) {
  const produce = useShow((s) => s.produce)
  const producing = useShow((s) => s.producing.includes(seq.id))
  return (
    <button
      type="button"
      className="btn small"
      disabled={producing || dirty}
      title={dirty ? 'Save the sequence first' : 'Speak the lines and generate the shots'}
      onClick={() => void produce(seq.id)}
    >
      {producing ? 'Producing…' : seq.sequenceId !== null ? 'Produce again' : 'Produce'}
    </button>
  )
}

const ACTIVE: JobState[] = ['queued', 'running', 'upscaling', 'interpolating', 'conforming']

/** Only what the core said: the call in flight, then its answer and the states its jobs report. */
function ProduceProgress({ seq }: { seq: StoredSequence }) {
  const producing = useShow((s) => s.producing.includes(seq.id))
  const result = useShow((s) => s.produced[seq.id])
  const jobs = useGeneration((s) => s.jobs)
  if (producing)
    return (
      <p className="muted small" role="status">
        Sent; the core is speaking the lines and queuing the shots…
      </p>
    )
  if (!result)
    return seq.sequenceId !== null ? <p className="muted small">Produced before (sequence #{seq.sequenceId}).</p> : null
  const mine = jobs.filter((j) => result.jobIds.includes(j.id))
  const count = (pred: (s: JobState) => boolean) => mine.filter((j) => pred(j.state)).length
  return (
    <p className="small" role="status" data-testid="produce-status">
      {result.narrated} line(s) spoken · {result.jobIds.length} job(s):{' '}
      {mine.length === 0
        ? 'waiting for their state'
        : [
            `${count((s) => s === 'ready')} ready`,
            `${count((s) => ACTIVE.includes(s))} in progress`,
            count((s) => s === 'failed') ? `${count((s) => s === 'failed')} failed` : ''
          ]
            .filter(Boolean)
            .join(', ')}
      {result.voiceWarning && <span className="warn-text"> · silent: {result.voiceWarning}</span>}
      {result.effectWarning && <span className="warn-text"> · effects: {result.effectWarning}</span>}
    </p>
  )
}
