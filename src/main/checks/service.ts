/** What the quality gate offers other features (the metrics read it through the GATE service). */
export interface GateService {
  /** Per channel: gate events per kind, failures per check name (counters). */
  totals(): Map<number, { byKind: Record<string, number>; failedBy: Record<string, number> }>
  /** Whether the channel's gate is on, and the regenerations it may still ask for this hour. */
  channel(channelId: number): { enabled: boolean; budgetLeft: number }
}
