import { useState, type FormEvent } from 'react'
import { useOnAir } from '../stores/onair'
import { SecretInput } from './SecretInput'

/** Sets or replaces one destination's stream key; the key goes to the secret store, never back to the page. */
export function StreamKeyForm({ channelId, id, onDone }: { channelId: number; id: string; onDone: () => void }) {
  const setKey = useOnAir((s) => s.setKey)
  const [key, setKeyValue] = useState('')
  async function submit(e: FormEvent) {
    e.preventDefault()
    if (await setKey(channelId, id, key.trim())) onDone()
  }
  return (
    <form className="key-form" onSubmit={submit}>
      <SecretInput id={`key-${id}`} label="New stream key" value={key} onChange={setKeyValue} />
      <button type="submit" className="btn primary small" disabled={!key.trim()}>
        Save key
      </button>
    </form>
  )
}
