import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { callCore } from '../../../src/main/cli/open-core'
import { openStudio } from '../../../src/main/studio'
import { LIBRARY } from '../../../src/main/services'
import { runWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('the show plan in the library', () => {
  it('survives a restart, is undone and redone like any edit, and refuses a bad edit without changing anything', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    let core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    const ch = await callCore(core, 'library.channels.create', { name: 'Harbour', theme: 'a rainy harbour town' })
    core.services.get(LIBRARY, 'test').history.recording = true
    const written = await callCore(core, 'show.write', { channelId: ch.id, sequences: 2, shotsPerSequence: 3 })
    expect(written.writer).toBe('template')
    expect(written.sequences.map((s) => s.title)).toEqual([
      'A rainy harbour town, part 1',
      'A rainy harbour town, part 2'
    ])
    await core.close()

    // Restart: the plan is where it was.
    core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    cleanups.push(() => core.close())
    core.services.get(LIBRARY, 'test').history.recording = true
    const again = await callCore(core, 'show.get', { channelId: ch.id })
    expect(again).toEqual({ channelId: ch.id, bible: written.bible, sequences: written.sequences })

    const bible = { ...written.bible!, style: 'ink drawing, black and red' }
    await callCore(core, 'show.bible.set', { channelId: ch.id, bible })
    const seq = written.sequences[0]!
    await callCore(core, 'show.sequence.update', { channelId: ch.id, id: seq.id, title: 'Dawn at the quay' })
    expect((await callCore(core, 'show.get', { channelId: ch.id })).sequences[0]!.title).toBe('Dawn at the quay')

    // A bad edit: a shot naming a character the bible lacks — refused, nothing changed, no undo step.
    const before = await callCore(core, 'history.get', { channelId: ch.id })
    await expect(
      callCore(core, 'show.sequence.update', {
        channelId: ch.id,
        id: seq.id,
        shots: [{ action: 'walks', characters: ['Nobody'], seconds: 4 }]
      })
    ).rejects.toThrow(/"Nobody" is not a character of the bible/)
    expect((await callCore(core, 'history.get', { channelId: ch.id })).undoCount).toBe(before.undoCount)

    expect((await callCore(core, 'history.undo', { channelId: ch.id })).label).toBe('edit of "Dawn at the quay"')
    expect((await callCore(core, 'show.get', { channelId: ch.id })).sequences[0]!.title).toBe(seq.title)
    await callCore(core, 'history.undo', { channelId: ch.id })
    expect((await callCore(core, 'show.get', { channelId: ch.id })).bible!.style).toBe(written.bible!.style)
    await callCore(core, 'history.redo', { channelId: ch.id })
    expect((await callCore(core, 'show.get', { channelId: ch.id })).bible!.style).toBe('ink drawing, black and red')
    await core.close()
    cleanups.pop()

    // The CLI edits the same plan; a malformed bible file is refused with what is wrong.
    const dd = ['--data-dir', t.dir]
    const bad = join(t.dir, 'bible.json')
    writeFileSync(bad, JSON.stringify({ setting: 'x' }))
    const refused = await runWebtv(['show', 'bible', ...dd, '--channel', 'Harbour', '--file', bad])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/style/)
    const shown = await runWebtv(['show', ...dd, '--channel', 'Harbour'])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/Style: {3}ink drawing, black and red/)
    expect(shown.stdout).toMatch(/narrator: "/)
  }, 60_000)
})
