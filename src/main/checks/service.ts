/** What the quality gate offers other features (the metrics read it through the GATE service). */
export interface GateService {
  /** Per channel: gate events per kind, failures per check name (counters). */
  totals(): Map<number, { byKind: Record<string, number>; failedBy: Record<string, number> }>
  /** Whether the channel's gate is on, and the regenerations it may still ask for this hour. */
  channel(channelId: number): { enabled: boolean; budgetLeft: number }
  /** The channel's last `limit` checked takes, newest first, with the deciding checks each failed. */
  recentTakes(channelId: number, limit: number): Array<{ takeId: number | null; failed: string[] }>
  /** Shots the gate held for review since `since` (ms). */
  heldSince(channelId: number, since: number): number
  /** Called once the channel's policy has acted on a take's verdict (regenerated, held, chosen). */
  onSettled(listener: (channelId: number) => void): () => void
}
