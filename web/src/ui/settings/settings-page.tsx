// Settings, one page per address (/settings/<page>): a row of tabs that are links (Back and Forward
// move between them), and the page. This module and the pages are loaded only when Settings opens.
import { navigate } from "../../state/router.ts";
import { ApiKeysPage } from "./api-keys.tsx";
import { FiltersPage } from "./filters.tsx";
import { GeneralPage } from "./general.tsx";
import { SecurityPage } from "./security.tsx";
import { VacationPage } from "./vacation.tsx";

const pages = [
  { id: "general", label: "General", Page: GeneralPage },
  { id: "filters", label: "Filters", Page: FiltersPage },
  { id: "vacation", label: "Vacation", Page: VacationPage },
  { id: "api-keys", label: "API keys", Page: ApiKeysPage },
  { id: "security", label: "Security", Page: SecurityPage },
] as const;

export default function SettingsPage({ page }: { page: string }) {
  const current = pages.find((p) => p.id === page);
  return (
    <section class="settings" aria-labelledby="settings-title">
      <h1 id="settings-title" class="visually-hidden">
        Settings
      </h1>
      <nav class="settings-tabs" aria-label="Settings pages">
        {pages.map((p) => (
          <a
            key={p.id}
            href={`/settings/${p.id}`}
            aria-current={p.id === page ? "page" : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate(`/settings/${p.id}`);
            }}
          >
            {p.label}
          </a>
        ))}
      </nav>
      <div class="settings-body">
        {current ? (
          <current.Page key={current.id} />
        ) : (
          <p class="empty">
            There is no settings page “{page}”. <a href="/settings/general" onClick={(e) => (e.preventDefault(), navigate("/settings/general"))}>Go to General</a>.
          </p>
        )}
      </div>
    </section>
  );
}
