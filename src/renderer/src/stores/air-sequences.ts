import { useEffect, useState } from 'react'
import type { AirSequence } from '../lib/air-text'
import { getClient } from '../api/bridge'

/**
 * The titled show sequences of the clips on air now and next, asked of the library by
 * item id each time the pair changes (one small call per clip: a title edited in the
 * Show tab shows from the next clip on). A failed ask leaves the plain clip labels.
 */
export function useAirSequences(
  channelId: number | null,
  nowItemId: number | null,
  nextItemId: number | null
): Map<number, AirSequence> {
  const [found, setFound] = useState<Map<number, AirSequence>>(() => new Map())
  useEffect(() => {
    const itemIds = [...new Set([nowItemId, nextItemId].filter((i): i is number => i !== null))]
    if (channelId === null || itemIds.length === 0) return
    let live = true
    getClient()
      .bridge.invoke('library.playlist.sequences', { channelId, itemIds })
      .then(
        ({ items }) => {
          if (live) setFound(new Map(items.map((i) => [i.itemId, { title: i.title, synopsis: i.synopsis }])))
        },
        () => undefined
      )
    return () => {
      live = false
    }
  }, [channelId, nowItemId, nextItemId])
  return found
}
