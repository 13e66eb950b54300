// Compose windows: what to write (new, reply, reply all, forward) and the draft being written. The
// composer itself (web/src/compose/) loads when the first window opens; what is here stays small
// because the first screen needs it: the window list and the copies of drafts kept on this device.
import { effect, signal } from "@preact/signals";
import type { Message } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { session } from "../api/session.ts";

export type ComposeMode = "new" | "reply" | "replyAll" | "forward";

export interface ComposeInit {
  mode: ComposeMode;
  /** The message answered or forwarded. */
  message?: Message;
  /** Prefilled recipients (a mailto: link, a contact). */
  to?: string[];
  /** An existing draft to go on with (its id is the draft's id). */
  draft?: Message;
  /** A draft as this device kept it (reopened after a closed tab, or after Undo of a send). */
  restore?: StoredDraft;
}

export interface ComposeWindow extends ComposeInit {
  /** The draft's id: a UUIDv7 made here, kept through every save (PUT /drafts/{id}). */
  id: string;
  minimized?: boolean;
}

/** A recipient as typed: kept even when it is not an address, so nothing typed is lost. */
export interface StoredRecipient {
  name: string;
  address: string;
  valid: boolean;
}

/** Everything of a draft, as kept in localStorage at every keystroke (edgemail.draft.<user>.<id>). */
export interface StoredDraft {
  id: string;
  mode: ComposeMode;
  to: StoredRecipient[];
  cc: StoredRecipient[];
  bcc: StoredRecipient[];
  subject: string;
  format: "plain" | "rich";
  /** The plain body, or the rich body's HTML as edited (sanitized again before use). */
  body: string;
  attachments: { id: string; filename: string; contentType: string; size: number }[];
  inReplyTo?: string;
  /** Bumped when a send was undone: the next send needs a new Idempotency-Key. */
  generation: number;
  updatedAt: number;
}

export const composeWindows = signal<ComposeWindow[]>([]);

export function openCompose(init: ComposeInit): void {
  const id = init.restore?.id ?? init.draft?.id ?? uuidv7();
  composeWindows.value = [...composeWindows.value.filter((w) => w.id !== id), { ...init, id }];
}

export function closeCompose(id: string): void {
  composeWindows.value = composeWindows.value.filter((w) => w.id !== id);
}

export function setMinimized(id: string, minimized: boolean): void {
  composeWindows.value = composeWindows.value.map((w) => (w.id === id ? { ...w, minimized } : w));
}

// ── copies on this device ──────────────────────────────────────────────────

const prefix = () => `edgemail.draft.${session.value?.user.id ?? "anonymous"}.`;
/** The key of a draft of the user signed in now (a draft keeps the key it got when it opened). */
export const storedDraftKey = (id: string) => prefix() + id;

export function storedDraft(id: string): StoredDraft | null {
  try {
    return JSON.parse(localStorage.getItem(storedDraftKey(id)) ?? "null") as StoredDraft | null;
  } catch {
    return null;
  }
}

/** The drafts of the signed-in user that this device kept and no window shows, newest first. */
export function unsentStoredDrafts(): StoredDraft[] {
  const p = prefix();
  const open = new Set(composeWindows.value.map((w) => w.id));
  const found: StoredDraft[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (!key?.startsWith(p) || open.has(key.slice(p.length))) continue;
    const d = storedDraft(key.slice(p.length));
    if (d) found.push(d);
  }
  return found.sort((a, b) => b.updatedAt - a.updatedAt);
}

// Windows belong to the user who opened them: another user signing in on this tab does not see them.
// The same user signing in again (an expired session) finds them as they were.
let owner: string | null = null;
effect(() => {
  const user = session.value?.user.id;
  if (!user) return;
  if (owner && owner !== user) composeWindows.value = [];
  owner = user;
});
