import { useState } from 'react'

/** A stream key input that is masked unless the user asks to see it. */
export function SecretInput({
  id,
  label,
  value,
  onChange,
  placeholder
}: {
  id: string
  label: string
  value: string
  onChange: (v: string) => void
  placeholder?: string
}) {
  const [shown, setShown] = useState(false)
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <input
          id={id}
          type={shown ? 'text' : 'password'}
          className="grow"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          placeholder={placeholder}
          data-testid="stream-key-input"
        />
        <button
          type="button"
          className="btn small"
          aria-pressed={shown}
          aria-controls={id}
          onClick={() => setShown((v) => !v)}
        >
          {shown ? 'Hide' : 'Show'}
        </button>
      </div>
    </div>
  )
}
