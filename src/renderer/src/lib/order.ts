/**
 * Turn a reorder the user made (possibly several selected items dragged as a block)
 * into the fewest single-item moves the core's `library.playlist.move` understands.
 * Items on a longest increasing subsequence of the old order stay put; every other
 * item is moved, in final order, to just after its final predecessor.
 */
export interface PlannedMove<T> {
  id: T
  /** Index the item must have after it is removed and re-inserted (arrayMove semantics). */
  to: number
}

export function longestIncreasingSubsequence(values: number[]): Set<number> {
  // Patience sorting, O(n log n); returns the positions (in `values`) on the LIS.
  const tails: number[] = []
  const prev: number[] = new Array<number>(values.length).fill(-1)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    let lo = 0
    let hi = tails.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (values[tails[mid]!]! < v) lo = mid + 1
      else hi = mid
    }
    if (lo > 0) prev[i] = tails[lo - 1]!
    tails[lo] = i
  }
  const keep = new Set<number>()
  let k = tails.length > 0 ? tails[tails.length - 1]! : -1
  while (k >= 0) {
    keep.add(k)
    k = prev[k]!
  }
  return keep
}

/**
 * `moving`, when given, names the items the user actually moved (a dragged block):
 * they are the ones moved, so the core sees the edit the user made even when
 * another order of moves would be as short.
 */
export function planMoves<T>(current: readonly T[], final: readonly T[], moving?: ReadonlySet<T>): PlannedMove<T>[] {
  if (current.length !== final.length) throw new Error('planMoves: the new order must hold the same items')
  const oldIndex = new Map<T, number>()
  current.forEach((id, i) => oldIndex.set(id, i))
  const seq = final.map((id) => {
    const i = oldIndex.get(id)
    if (i === undefined) throw new Error('planMoves: the new order has an item the old one lacks')
    return i
  })
  const keep = moving ? keepAllBut(final, moving, seq) : longestIncreasingSubsequence(seq)
  const work = [...current]
  const moves: PlannedMove<T>[] = []
  for (let p = 0; p < final.length; p++) {
    if (keep.has(p)) continue
    const id = final[p]!
    const from = work.indexOf(id)
    work.splice(from, 1)
    const to = p === 0 ? 0 : work.indexOf(final[p - 1]!) + 1
    work.splice(to, 0, id)
    moves.push({ id, to })
  }
  return moves
}

export function applyMove<T>(list: readonly T[], id: T, to: number): T[] {
  const out = list.filter((x) => x !== id)
  out.splice(to, 0, id)
  return out
}

/**
 * Move a block of selected items so that the dragged one lands at `overIndex`
 * (the index of the item it was dropped on in the current order), keeping the
 * selected items' relative order.
 */
export function moveBlock<T>(list: readonly T[], selected: ReadonlySet<T>, activeId: T, overId: T): T[] {
  if (activeId === overId) return [...list]
  const block = list.filter((x) => selected.has(x) || x === activeId)
  if (block.includes(overId)) return [...list]
  const rest = list.filter((x) => !selected.has(x) && x !== activeId)
  const activeIdx = list.indexOf(activeId)
  const overIdx = list.indexOf(overId)
  const overInRest = rest.indexOf(overId)
  // Dragging right drops the block after the target; dragging left, before it.
  const insertAt = activeIdx < overIdx ? overInRest + 1 : overInRest
  return [...rest.slice(0, insertAt), ...block, ...rest.slice(insertAt)]
}

function keepAllBut<T>(final: readonly T[], moving: ReadonlySet<T>, seq: number[]): Set<number> {
  const keep = new Set<number>()
  let last = -1
  for (let p = 0; p < final.length; p++) {
    if (moving.has(final[p]!)) continue
    // The rest must already be in their old relative order; otherwise fall back to the LIS.
    if (seq[p]! < last) return longestIncreasingSubsequence(seq)
    last = seq[p]!
    keep.add(p)
  }
  return keep
}
