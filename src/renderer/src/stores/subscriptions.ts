/** Event subscriptions of the generation and on-air stores; each returns its unsubscribe functions. */
export function startFeatureSubscriptions(): Array<() => void> {
  return []
}
