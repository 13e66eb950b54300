// Placeholder until the settings pages land.
export default function SettingsPage({ page }: { page: string }) {
  return <section class="settings" aria-label="Settings">Settings: {page}</section>;
}
