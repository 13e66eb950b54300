// The user's filters as GET /filters gives them, shared by the Filters and Vacation pages: the rules
// and the vacation answer are saved together (PUT /filters), so each page keeps the other's part.
import { signal } from "@preact/signals";
import type { FilterRule, Filters, FilterSettings, VacationSettings } from "../../../../shared/filters.ts";
import { api } from "../../api/client.ts";

export const filters = signal<Filters | null>(null);

export async function loadFilters(): Promise<Filters> {
  const f = await api<Filters>("/filters");
  filters.value = f;
  return f;
}

/** The user wrote (or uploaded) a Sieve script: saving rules or the vacation answer replaces it. */
export const isOwnScript = (f: Filters) => f.script !== null && f.settings === null;

export const currentRules = (f: Filters): FilterRule[] => f.settings?.rules ?? [];
export const currentVacation = (f: Filters): VacationSettings | null => f.settings?.vacation ?? null;

export async function saveFilterSettings(settings: FilterSettings): Promise<void> {
  filters.value = await api<Filters>("/filters", { method: "PUT", body: settings });
}

export async function saveSieve(script: string): Promise<void> {
  filters.value = await api<Filters>("/filters/sieve", { method: "PUT", body: { script } });
}
