import { create } from 'zustand'

// Filled in from the on-air contract (src/shared/contract/onair.ts) once it lands.
interface OnAirStore {
  nowItemId: number | null
  nextItemId: number | null
}

export const useOnAir = create<OnAirStore>(() => ({ nowItemId: null, nextItemId: null }))

export function useNowNext(): { nowItemId: number | null; nextItemId: number | null } {
  const nowItemId = useOnAir((s) => s.nowItemId)
  const nextItemId = useOnAir((s) => s.nextItemId)
  return { nowItemId, nextItemId }
}
