import { useState, type FormEvent } from 'react'
import type { CallInput } from '../../../shared/contract'
import { useSettings } from '../stores/settings'

export function GateSettings() {
  const gate = useSettings((s) => s.gate)
  if (!gate) return null
  // A fresh form for each answer of the core: what shows after Save is what it kept.
  return <GateForm key={JSON.stringify(gate)} />
}

/**
 * The selected channel's quality gate (the same policy as `webtv gate set`): on or off,
 * regenerations per shot, the hourly budget, which checks decide and whether the judge
 * is asked. The core checks the values; its refusal shows here as it said it.
 */
function GateForm() {
  const gate = useSettings((s) => s.gate)!
  const error = useSettings((s) => s.gateError)
  const save = useSettings((s) => s.saveGate)
  const { policy } = gate
  const [enabled, setEnabled] = useState(policy.enabled)
  // Kept as typed: the core, not this form, says what a number may be.
  const [maxTries, setMaxTries] = useState(String(policy.maxTries))
  const [takesPerHour, setTakesPerHour] = useState(String(policy.takesPerHour))
  const [checks, setChecks] = useState(policy.checks)
  const [judge, setJudge] = useState(policy.judge)
  // The judge decides only when it is asked: its row shows with the judge on.
  const rows = gate.available.filter((c) => c.name !== 'judge' || judge)
  const sameChecks = checks.length === policy.checks.length && checks.every((c) => policy.checks.includes(c))
  const patch: Omit<CallInput<'gate.policy.set'>, 'channelId'> = {
    ...(enabled !== policy.enabled ? { enabled } : {}),
    ...(maxTries !== String(policy.maxTries) ? { maxTries: Number(maxTries) } : {}),
    ...(takesPerHour !== String(policy.takesPerHour) ? { takesPerHour: Number(takesPerHour) } : {}),
    ...(sameChecks ? {} : { checks }),
    ...(judge !== policy.judge ? { judge } : {})
  }
  const dirty = Object.keys(patch).length > 0
  function submit(e: FormEvent) {
    e.preventDefault()
    void save({ channelId: gate.channelId, ...patch })
  }
  function toggleJudge(on: boolean) {
    setJudge(on)
    // As the core does: asking the judge makes its verdict decide, until unticked.
    if (on && !checks.includes('judge')) setChecks([...checks, 'judge'])
  }
  return (
    <form className="panel settings-card" onSubmit={submit} aria-label="Quality gate">
      <div className="panel-head">
        <h2>Quality gate</h2>
      </div>
      <div className="settings-body">
        <label className="switch">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Check every new
          take of this channel (a failed take is made again, then held for review)
        </label>
        <div className="field-row wrap">
          <label className="field compact">
            <span>Max tries</span>
            <input type="number" step={1} value={maxTries} onChange={(e) => setMaxTries(e.target.value)} />
          </label>
          <label className="field compact">
            <span>Takes per hour</span>
            <input type="number" step={1} value={takesPerHour} onChange={(e) => setTakesPerHour(e.target.value)} />
          </label>
        </div>
        <p className="muted small">
          {gate.budgetLeft} regeneration{gate.budgetLeft === 1 ? '' : 's'} left this hour.
        </p>
        <label className="switch">
          <input type="checkbox" checked={judge} onChange={(e) => toggleJudge(e.target.checked)} /> Ask the judge (a
          vision model, set with webtv gate judge) about every take
        </label>
        <fieldset className="field" aria-label="Checks that decide">
          <legend>Checks that decide (the others are recorded only)</legend>
          {rows.map((c) => (
            <label key={c.name} className="switch small">
              <input
                type="checkbox"
                checked={checks.includes(c.name)}
                onChange={(e) => setChecks(e.target.checked ? [...checks, c.name] : checks.filter((x) => x !== c.name))}
              />{' '}
              {c.title}
            </label>
          ))}
        </fieldset>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn primary" disabled={!dirty}>
          Save quality gate
        </button>
      </div>
    </form>
  )
}
