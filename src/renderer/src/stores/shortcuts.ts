import { create } from 'zustand'

interface ShortcutsUiStore {
  /** The `?` overlay is open. */
  helpOpen: boolean
  /** The channel whose Go Live / End Stream waits for a confirmation, if any. */
  confirmAirFor: number | null
  /** The last thing a shortcut did, for screen readers ("Shot 12 approved"). */
  announcement: string
  /** Why the last shortcut did nothing, shown on screen for a moment ("" when none). */
  refusal: string
  setHelpOpen(open: boolean): void
  askAir(channelId: number | null): void
  announce(text: string): void
  /** A shortcut that cannot act says why: on screen and to screen readers. */
  refuse(text: string): void
}

export const useShortcutsUi = create<ShortcutsUiStore>((set) => ({
  helpOpen: false,
  confirmAirFor: null,
  announcement: '',
  refusal: '',
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  askAir: (confirmAirFor) => set({ confirmAirFor }),
  announce: (announcement) => set({ announcement, refusal: '' }),
  refuse: (refusal) => set({ announcement: refusal, refusal })
}))
