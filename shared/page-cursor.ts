// The cursor of a folder listing: the (received_at, message_id) of the last row sent, a keyset, so
// pages neither repeat nor skip rows while new mail arrives at the head. Opaque to clients; the core
// makes it and the edge's Durable Object makes the same one for the inbox head it serves.
import { fromBase64Url, toBase64Url, utf8 } from "./encoding.ts";
import { isUuidv7 } from "./ids.ts";
import { ProblemError } from "./problem.ts";

export function encodeCursor(receivedAt: number, messageId: string): string {
  return toBase64Url(utf8(`${receivedAt}.${messageId}`));
}

export function decodeCursor(cursor: string): { receivedAt: number; messageId: string } {
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(fromBase64Url(cursor));
  } catch {
    // fall through to the error below
  }
  const dot = text.indexOf(".");
  const receivedAt = Number(text.slice(0, dot));
  const messageId = text.slice(dot + 1);
  if (dot <= 0 || !Number.isSafeInteger(receivedAt) || !isUuidv7(messageId)) {
    throw new ProblemError("validation", "cursor is not one this API returned; start again without it.", {
      errors: [{ field: "cursor", message: "not a cursor returned by this API" }],
    });
  }
  return { receivedAt, messageId };
}
