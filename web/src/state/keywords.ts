// The labels in the sidebar: the user's own keywords (a filter's "label", a mail app's tag), not IMAP's
// system ones ($Junk, $NotJunk …). Loaded with the folders; loaded again, once a burst of changes is
// over, when a message's keywords change.
import { computed, signal } from "@preact/signals";
import type { KeywordList } from "../../../shared/api.ts";
import { api } from "../api/client.ts";
import { labels } from "../ui/format.ts";

export const keywords = signal<KeywordList["keywords"]>([]);

export const sidebarLabels = computed(() => {
  const own = new Set(labels(keywords.value.map((k) => k.keyword)));
  return keywords.value.filter((k) => own.has(k.keyword));
});

export async function loadKeywords(): Promise<void> {
  keywords.value = (await api<KeywordList>("/keywords")).keywords;
}

let pending: ReturnType<typeof setTimeout> | undefined;

/** A message's keywords (or read state) changed: the counts are read again a moment later, once. */
export function keywordsChanged(): void {
  clearTimeout(pending);
  pending = setTimeout(() => void loadKeywords().catch(() => undefined), 1000);
}
