// The folder list with unread counts. Loaded once, then kept current by `folder.counts` events.
import { computed, signal } from "@preact/signals";
import type { Folder, FolderRole } from "../../../shared/api.ts";
import { api } from "../api/client.ts";

export const folders = signal<Folder[]>([]);

/** Roles in the order people expect them, then the user's own folders by name. */
const roleOrder: FolderRole[] = ["inbox", "drafts", "sent", "archive", "junk", "trash"];

export const sortedFolders = computed(() =>
  [...folders.value].sort((a, b) => {
    const ra = a.role ? roleOrder.indexOf(a.role) : 99;
    const rb = b.role ? roleOrder.indexOf(b.role) : 99;
    return ra - rb || a.name.localeCompare(b.name);
  }),
);

export const inboxUnread = computed(() => folders.value.find((f) => f.role === "inbox")?.unread ?? 0);

/** A folder by its id or role (the address bar holds either). */
export function findFolder(ref: string): Folder | undefined {
  return folders.value.find((f) => f.id === ref || f.role === ref);
}

export const folderLabel = (f: Folder) => (f.role ? { inbox: "Inbox", sent: "Sent", drafts: "Drafts", trash: "Trash", junk: "Spam", archive: "Archive" }[f.role] : f.name);

export async function loadFolders(): Promise<void> {
  const { folders: list } = await api<{ folders: Folder[] }>("/folders");
  folders.value = list;
}

export function applyCounts(counts: { id: string; unread: number; total: number }[]): void {
  const byId = new Map(counts.map((c) => [c.id, c]));
  folders.value = folders.value.map((f) => {
    const c = byId.get(f.id);
    return c ? { ...f, unread: c.unread, total: c.total } : f;
  });
  // A folder we do not know yet (made by a filter): load the list again.
  if (counts.some((c) => !folders.value.some((f) => f.id === c.id))) void loadFolders();
}
