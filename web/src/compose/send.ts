// Sending with Undo: POST /messages with the draft's id (the service deletes the draft once sent) and
// holdSeconds = the user's undo delay; the service holds it that long, so closing the tab after Send
// still sends. Undo (DELETE /outbox/{id}) brings the window back with everything in it. The draft id
// is the Idempotency-Key: a retried send never sends twice.
import type { SendAccepted } from "../../../shared/api.ts";
import { api, ApiError, describeError, NetworkError } from "../api/client.ts";
import { closeCompose, openCompose } from "../state/compose.ts";
import { settingsOrDefaults } from "../state/settings.ts";
import { toast } from "../state/toasts.ts";
import { failed, uploading } from "./attachments.ts";
import type { Draft } from "./draft.ts";

/** The user's undo window (Settings → General), 10 s when the settings cannot be read. */
const holdSeconds = async () => (await settingsOrDefaults()).undoSendSeconds;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

function wait(seconds: number | null): string {
  if (seconds === null) return "later";
  if (seconds < 90) return `in ${plural(Math.max(1, Math.round(seconds)), "second")}`;
  if (seconds < 5400) return `in about ${plural(Math.round(seconds / 60), "minute")}`;
  return `in about ${plural(Math.round(seconds / 3600), "hour")}`;
}

/** Problems found before asking the server, as field errors. Empty when it can go. */
function check(draft: Draft): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of ["to", "cc", "bcc"] as const) {
    const bad = draft[f].value.filter((r) => !r.valid);
    if (bad.length) errors[f] = `${bad.map((r) => `“${r.address}”`).join(", ")} ${bad.length === 1 ? "is not a mail address" : "are not mail addresses"}. Correct or remove ${bad.length === 1 ? "it" : "them"}.`;
  }
  if (!draft.to.value.length && !draft.cc.value.length && !draft.bcc.value.length) errors.to = "Add at least one recipient.";
  if (uploading(draft)) errors.attachments = "Wait until the attachments are uploaded.";
  else if (failed(draft).length) errors.attachments = "An attachment was not uploaded: retry it or remove it.";
  return errors;
}

/** The server's field errors placed at the composer's fields ("to.2" is the To field). */
function placeErrors(e: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const fe of e.problem?.errors ?? []) {
    const field = fe.field.split(".")[0]!;
    const key = ["to", "cc", "bcc", "subject", "attachments"].includes(field) ? field : "general";
    out[key] = out[key] ? `${out[key]} ${fe.message}` : fe.message;
  }
  if (!Object.keys(out).length) out.general = e.message;
  return out;
}

function sentence(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 413) return `The message is too large to send. ${e.problem?.detail ?? ""} Remove an attachment or share a link to it instead.`;
    if (e.status === 429) return `You have reached your sending limit for now, so this message was not sent. You can send it ${wait(e.retryAfter)}; it stays here and in Drafts until then.`;
  }
  if (e instanceof NetworkError) return "Not sent: the network is not reachable. Your message is kept here; send it again when you are back online.";
  return `Not sent. ${describeError(e)}`;
}

export type SendResult = { ok: true } | { ok: false; errors: Record<string, string> };

export async function sendDraft(draft: Draft, onStop: () => void, onResume: () => void): Promise<SendResult> {
  const errors = check(draft);
  if (Object.keys(errors).length) return { ok: false, errors };
  const seconds = await holdSeconds();
  const key = draft.generation ? `${draft.id}.${draft.generation}` : draft.id;
  const message = { ...draft.request(true), draftId: draft.id };
  onStop();
  let accepted: SendAccepted;
  try {
    accepted = await api<SendAccepted>("/messages", { body: { ...message, holdSeconds: seconds }, headers: { "idempotency-key": key } });
  } catch (e) {
    onResume();
    if (e instanceof ApiError && e.status === 400) return { ok: false, errors: placeErrors(e) };
    return { ok: false, errors: { general: sentence(e) } };
  }
  const snapshot = draft.snapshot();
  draft.detach();
  closeCompose(draft.id);
  if (accepted.status !== "held") {
    toast("Message sent.");
    return { ok: true };
  }
  const undo = async () => {
    try {
      await api(`/outbox/${accepted.id}`, { method: "DELETE" });
      draft.generation++;
      openCompose({ mode: draft.mode, restore: { ...snapshot, generation: draft.generation } });
      onResume();
      toast("Sending undone. The message is open again.");
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) toast("Already sent: it was too late to undo.");
      else toast(`It could not be undone: ${describeError(e)}`, { kind: "error" });
    }
  };
  const left = Math.max(1, (Date.parse(accepted.sendAt) - Date.now()) / 1000);
  toast("Message sent.", { timeout: left * 1000, action: { label: "Undo", run: () => void undo() } });
  return { ok: true };
}
