export function OnAirBadge() {
  return null
}
