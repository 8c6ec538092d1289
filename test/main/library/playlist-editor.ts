/**
 * Child process for the concurrency test: hammers one channel's playlist through
 * its own Library (its own SQLite connection), then prints how many items it
 * added and removed as JSON. Usage: tsx playlist-editor.ts DATA_DIR CHANNEL_ID OPS SEED
 */
import { openLibrary } from '../../../src/main/library'

const [dataDir, channelArg, opsArg, seedArg] = process.argv.slice(2)
const lib = openLibrary(dataDir!)
const channelId = Number(channelArg)
let seed = Number(seedArg)
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
}
const shots = lib.listShots({ channelId, limit: 500 }).shots.map((s) => s.id)
let added = 0
let removed = 0
for (let i = 0; i < Number(opsArg); i++) {
  const items = lib.listPlaylist(channelId)
  const op = rand(3)
  try {
    if (op === 0 || items.length < 2) {
      lib.addToPlaylist(channelId, [shots[rand(shots.length)]!, shots[rand(shots.length)]!], rand(items.length + 1))
      added += 2
    } else if (op === 1) {
      lib.movePlaylistItem(items[rand(items.length)]!.itemId, rand(items.length))
    } else {
      lib.removePlaylistItems([items[rand(items.length)]!.itemId])
      removed += 1
    }
  } catch (err) {
    // The other process may have removed the item we picked between our read and our edit.
    if (!/does not exist/.test(String(err))) throw err
  }
}
void lib.close().then(() => process.stdout.write(JSON.stringify({ added, removed }) + '\n'))
