export function SettingsView() {
  return <section className="panel settings" aria-label="Settings" />
}
