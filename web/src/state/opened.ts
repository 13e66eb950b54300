// The message the reader shows last in its conversation: what r, a and f answer.
import { signal } from "@preact/signals";
import type { Message } from "../../../shared/api.ts";

export const openedMessage = signal<Message | null>(null);
