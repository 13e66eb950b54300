// Filters: the rules editor and, for those who write their own, the Sieve script, as two tabs. Both
// stay mounted while the other shows, so switching never loses what was typed.
import { useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import { loadFilters } from "./filters-store.ts";
import { LoadState, useLoad } from "./form.tsx";
import { RulesPanel } from "./rules-panel.tsx";
import { SievePanel } from "./sieve-panel.tsx";

const tabs = [
  { id: "rules", label: "Rules" },
  { id: "sieve", label: "Sieve script" },
] as const;

export function FiltersPage() {
  const loaded = useLoad(loadFilters);
  const tab = useSignal<"rules" | "sieve">("rules");
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);

  // Arrow keys move between tabs (the ARIA tabs pattern); Tab goes on into the panel.
  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === tab.value);
    const to = e.key === "ArrowRight" ? (i + 1) % tabs.length : e.key === "ArrowLeft" ? (i + tabs.length - 1) % tabs.length : e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1 : -1;
    if (to < 0) return;
    e.preventDefault();
    tab.value = tabs[to]!.id;
    tabRefs.current[to]?.focus();
  };

  return (
    <div class="settings-page">
      <h2>Filters</h2>
      <p class="hint">Filters act on mail as it arrives: every rule that matches acts, in the order listed.</p>
      {!loaded.data.value ? (
        <LoadState loaded={loaded} what="Your filters" />
      ) : (
        <>
          <div class="subtabs" role="tablist" aria-label="How to write filters" onKeyDown={onKey}>
            {tabs.map((t, i) => (
              <button
                key={t.id}
                ref={(el) => void (tabRefs.current[i] = el)}
                type="button"
                role="tab"
                id={`filters-tab-${t.id}`}
                aria-selected={tab.value === t.id}
                aria-controls={`filters-panel-${t.id}`}
                tabIndex={tab.value === t.id ? 0 : -1}
                onClick={() => (tab.value = t.id)}
              >
                {t.label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id="filters-panel-rules" aria-labelledby="filters-tab-rules" hidden={tab.value !== "rules"}>
            <RulesPanel onShowSieve={() => (tab.value = "sieve")} />
          </div>
          <div role="tabpanel" id="filters-panel-sieve" aria-labelledby="filters-tab-sieve" hidden={tab.value !== "sieve"}>
            <SievePanel />
          </div>
        </>
      )}
    </div>
  );
}
