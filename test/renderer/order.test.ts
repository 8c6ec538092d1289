import { describe, expect, it } from 'vitest'
import { applyMove, longestIncreasingSubsequence, moveBlock, planMoves } from '../../src/renderer/src/lib/order'

function replay<T>(start: T[], plan: { id: T; to: number }[]): T[] {
  return plan.reduce((acc, m) => applyMove(acc, m.id, m.to), start)
}

// Small deterministic PRNG so failures reproduce.
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32
}

describe('planMoves', () => {
  it('moves one item with one move', () => {
    const plan = planMoves([1, 2, 3, 4, 5], [2, 3, 4, 1, 5])
    expect(plan).toEqual([{ id: 1, to: 3 }])
  })
  it('moves a block to the end with one move per block item', () => {
    const start = ['a', 'b', 'x', 'y', 'z']
    const final = ['x', 'y', 'z', 'a', 'b']
    const plan = planMoves(start, final)
    expect(plan).toHaveLength(2)
    expect(replay(start, plan)).toEqual(final)
  })
  it('reaches any permutation with n - LIS moves (randomised)', () => {
    const rand = rng(42)
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 30)
      const start = Array.from({ length: n }, (_, i) => i)
      const final = [...start]
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1))
        ;[final[i], final[j]] = [final[j]!, final[i]!]
      }
      const plan = planMoves(start, final)
      expect(replay(start, plan)).toEqual(final)
      expect(plan.length).toBe(n - longestIncreasingSubsequence(final).size)
    }
  })
  it('moves the items the user dragged when told which they are', () => {
    expect(planMoves([1, 2, 3], [2, 1, 3], new Set([1]))).toEqual([{ id: 1, to: 1 }])
    expect(planMoves([1, 2, 3], [2, 1, 3], new Set([2]))).toEqual([{ id: 2, to: 0 }])
    const start = [1, 2, 3, 4, 5, 6]
    const final = [2, 4, 5, 1, 3, 6]
    const plan = planMoves(start, final, new Set([1, 3]))
    expect(plan.map((m) => m.id)).toEqual([1, 3])
    expect(replay(start, plan)).toEqual(final)
  })
  it('refuses orders that do not hold the same items', () => {
    expect(() => planMoves([1, 2], [1, 3])).toThrow(/lacks/)
    expect(() => planMoves([1, 2], [1])).toThrow(/same items/)
  })
})

describe('moveBlock', () => {
  it('drops a single item after the target when dragging right', () => {
    expect(moveBlock([1, 2, 3, 4], new Set(), 1, 3)).toEqual([2, 3, 1, 4])
  })
  it('drops before the target when dragging left', () => {
    expect(moveBlock([1, 2, 3, 4], new Set(), 4, 2)).toEqual([1, 4, 2, 3])
  })
  it('keeps a selected block together and in order', () => {
    expect(moveBlock([1, 2, 3, 4, 5, 6], new Set([1, 3]), 3, 5)).toEqual([2, 4, 5, 1, 3, 6])
  })
  it('does nothing when dropped on the block itself', () => {
    expect(moveBlock([1, 2, 3], new Set([1, 2]), 1, 2)).toEqual([1, 2, 3])
  })
})
