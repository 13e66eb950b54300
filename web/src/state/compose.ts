// Compose windows: what to write (new, reply, reply all, forward) and the draft being written.
import { signal } from "@preact/signals";
import type { Message } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";

export type ComposeMode = "new" | "reply" | "replyAll" | "forward";

export interface ComposeInit {
  mode: ComposeMode;
  /** The message answered or forwarded. */
  message?: Message;
  /** Prefilled recipients (a mailto: link, a contact). */
  to?: string[];
  /** An existing draft to go on with (its id is the draft's id). */
  draft?: Message;
}

export interface ComposeWindow extends ComposeInit {
  /** The draft's id: a UUIDv7 made here, kept through every save (PUT /drafts/{id}). */
  id: string;
}

export const composeWindows = signal<ComposeWindow[]>([]);

export function openCompose(init: ComposeInit): void {
  const id = init.draft?.id ?? uuidv7();
  composeWindows.value = [...composeWindows.value.filter((w) => w.id !== id), { ...init, id }];
}

export function closeCompose(id: string): void {
  composeWindows.value = composeWindows.value.filter((w) => w.id !== id);
}
