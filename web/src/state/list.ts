// The message list on screen: a folder (one row per conversation, as Gmail shows it) or search
// results, loaded page by page as the user scrolls (cursor paging), kept current by events.
import { batch, computed, signal } from "@preact/signals";
import type { ListedMessage, MessagePage, SearchPage, SearchResult } from "../../../shared/api.ts";
import { limits } from "../../../shared/limits.ts";
import { api, describeError } from "../api/client.ts";

export type Row = ListedMessage & Partial<Pick<SearchResult, "highlight" | "folder">>;

export interface ListSource {
  /** What the list shows, e.g. "folder:inbox" or "search:budget". */
  key: string;
  kind: "folder" | "search";
  /** The folder's id or role, for a folder listing. */
  folder?: string;
  query?: string;
}

export const source = signal<ListSource | null>(null);
export const rows = signal<Row[]>([]);
export const nextCursor = signal<string | null>(null);
export const loading = signal(false);
export const listError = signal<string | null>(null);
/** Row ids ticked for bulk actions. */
export const selected = signal<ReadonlySet<string>>(new Set());
/** The keyboard cursor (j/k): the index of the focused row. */
export const focusIndex = signal(0);
export const focusedRow = computed(() => rows.value[focusIndex.value] ?? null);

let generation = 0;

function pagePath(s: ListSource, cursor: string | null): string {
  // The first page fills a screen quickly; the ones a scrolling user asks for are as large as allowed.
  const qs = new URLSearchParams({ limit: String(cursor ? limits.maxPageSize : 50) });
  if (cursor) qs.set("cursor", cursor);
  if (s.kind === "search") {
    qs.set("q", s.query ?? "");
    return `/search?${qs}`;
  }
  qs.set("collapseThreads", "true");
  return `/folders/${encodeURIComponent(s.folder ?? "inbox")}/messages?${qs}`;
}

/** Shows `s`, from its first page (again, when it is already shown and `reload` is set). */
export async function show(s: ListSource, reload = false): Promise<void> {
  if (source.value?.key === s.key && !reload) return;
  const mine = ++generation;
  batch(() => {
    if (source.value?.key !== s.key) {
      rows.value = [];
      selected.value = new Set();
      focusIndex.value = 0;
    }
    source.value = s;
    nextCursor.value = null;
    loading.value = true;
    listError.value = null;
  });
  try {
    const page = await api<MessagePage | SearchPage>(pagePath(s, null));
    if (mine !== generation) return;
    batch(() => {
      rows.value = page.messages;
      nextCursor.value = page.nextCursor;
    });
  } catch (e) {
    if (mine === generation) listError.value = describeError(e);
  } finally {
    if (mine === generation) loading.value = false;
  }
}

/** The next page, when the user scrolled near the end. */
export async function loadMore(): Promise<void> {
  const s = source.value;
  const cursor = nextCursor.value;
  if (!s || !cursor || loading.value) return;
  const mine = generation;
  loading.value = true;
  try {
    const page = await api<MessagePage | SearchPage>(pagePath(s, cursor));
    if (mine !== generation) return;
    const seen = new Set(rows.value.map((r) => r.id));
    batch(() => {
      rows.value = [...rows.value, ...page.messages.filter((m) => !seen.has(m.id))];
      nextCursor.value = page.nextCursor;
    });
  } catch (e) {
    if (mine === generation) listError.value = describeError(e);
  } finally {
    if (mine === generation) loading.value = false;
  }
}

export function reload(): Promise<void> {
  return source.value ? show(source.value, true) : Promise.resolve();
}

export function updateRows(update: (r: Row) => Row | null): void {
  const next: Row[] = [];
  for (const r of rows.value) {
    const u = update(r);
    if (u) next.push(u);
  }
  batch(() => {
    rows.value = next;
    const ids = new Set(next.map((r) => r.id));
    if ([...selected.value].some((id) => !ids.has(id))) selected.value = new Set([...selected.value].filter((id) => ids.has(id)));
    if (focusIndex.value >= next.length) focusIndex.value = Math.max(0, next.length - 1);
  });
}

export function toggleSelected(id: string, on?: boolean): void {
  const next = new Set(selected.value);
  if (on ?? !next.has(id)) next.add(id);
  else next.delete(id);
  selected.value = next;
}
