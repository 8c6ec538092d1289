import { afterEach, describe, expect, it } from 'vitest'
import { openLibrary } from '../../../src/main/library'
import { JobStore } from '../../../src/main/generation/store'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

describe('job ownership after a restart', () => {
  it('hands back jobs marked with our own pid that this process is not running (pid reused after a restart)', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const lib = openLibrary(t.dir)
    try {
      const store = new JobStore(lib.featureDatabase('generation'))
      const channel = lib.createChannel({ name: 'pids' })
      const seq = store.insertSequence(channel.id, 'theme', '')
      const mk = (i: number): number =>
        store.insert({
          channelId: channel.id,
          shotId: null,
          sequenceId: seq,
          kind: 'music',
          index: i,
          payload: { prompt: 'x', seconds: 1 } as never,
          key: null
        })
      const [left, live, foreign] = [mk(0), mk(1), mk(2)]
      for (const id of [left, live]) expect(store.claim(id, process.pid)).toBe(true)
      // A dead process's claim (pid far above any real one) is released as before.
      expect(store.claim(foreign, 2 ** 22 + 7)).toBe(true)
      store.releaseDeadOwners(new Set([live]))
      expect(store.get(left)!.owner_pid).toBeNull()
      expect(store.get(live)!.owner_pid).toBe(process.pid)
      expect(store.get(foreign)!.owner_pid).toBeNull()
    } finally {
      await lib.close()
    }
  })
})
