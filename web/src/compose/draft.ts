// One draft being written: its fields as signals, a copy in localStorage at every change (so a closed
// tab or an expired session loses nothing), and the request the API takes for a save or a send. A
// draft outlives its window's component: the window remounts after a sign-in and finds it here.
import { batch, effect, signal } from "@preact/signals";
import type { DraftRequest } from "../../../shared/api.ts";
import { session } from "../api/session.ts";
import { storedDraft, storedDraftKey, type ComposeWindow, type StoredDraft } from "../state/compose.ts";
import { fromMailAddress, parseRecipients, toInput, type Recipient } from "./addresses.ts";
import { htmlToText, isBlankHtml, sanitizeHtml, textToHtml } from "./html-text.ts";
import { quotedBody, replyRecipients, replySubject } from "./reply.ts";

export type Format = "plain" | "rich";
export type Field = "to" | "cc" | "bcc";

export interface AttachmentItem {
  key: string;
  filename: string;
  contentType: string;
  size: number;
  /** From POST /attachments once uploaded. */
  id?: string;
  /** 0–1 while uploading. */
  progress: number;
  error?: string;
  /** What to upload (again, on retry). */
  source?: Blob;
}

const FORMAT_KEY = "edgemail.composeFormat";
export const preferredFormat = (): Format => (localStorage.getItem(FORMAT_KEY) === "plain" ? "plain" : "rich");

export class Draft {
  readonly id: string;
  readonly mode: ComposeWindow["mode"];
  readonly to = signal<Recipient[]>([]);
  readonly cc = signal<Recipient[]>([]);
  readonly bcc = signal<Recipient[]>([]);
  readonly subject = signal("");
  readonly format = signal<Format>(preferredFormat());
  /** Plain text, or the editor's HTML in rich mode. */
  readonly body = signal("");
  readonly attachments = signal<AttachmentItem[]>([]);
  /** Errors the server (or a check before sending) gave for a field: "to", "subject", "attachments" … */
  readonly fieldErrors = signal<Record<string, string>>({});
  readonly inReplyTo: string | undefined;
  generation = 0;
  /** Changed by the user since it opened: an untouched reply is not worth a draft on the server. */
  touched = false;
  private pristine = "";
  /** Fixed when it opens: the signals of the session must not move it to another user's keys. */
  private readonly key: string;
  /** The original's attachments to carry over (a forward, a draft from the Drafts folder). */
  readonly carry: { messageId: string; attachments: { id: string; filename: string; contentType: string; size: number }[] } | null = null;
  private stopPersisting: () => void;

  constructor(win: ComposeWindow) {
    this.id = win.id;
    this.mode = win.mode;
    this.key = storedDraftKey(win.id);
    const self = session.value?.user.address ?? "";
    const kept = win.restore ?? storedDraft(win.id);
    if (kept) {
      this.load(kept);
      this.inReplyTo = kept.inReplyTo;
      this.touched = true;
    } else if (win.draft) {
      const d = win.draft;
      this.to.value = d.to.map(fromMailAddress);
      this.cc.value = d.cc.map(fromMailAddress);
      this.subject.value = d.subject;
      this.format.value = d.html ? "rich" : "plain";
      this.body.value = d.html ? sanitizeHtml(d.html) : (d.text ?? "");
      if (d.attachments.length) this.carry = { messageId: d.id, attachments: d.attachments };
    } else if (win.message && win.mode !== "new") {
      const m = win.message;
      if (win.mode !== "forward") {
        const r = replyRecipients(m, win.mode, self);
        this.to.value = r.to;
        this.cc.value = r.cc;
        this.inReplyTo = m.id;
      } else if (m.attachments.length) this.carry = { messageId: m.id, attachments: m.attachments };
      this.subject.value = replySubject(m.subject, win.mode);
      const quoted = quotedBody(m, win.mode, htmlToText);
      this.body.value = this.format.value === "rich" ? textToHtml(quoted) : quoted;
    } else if (win.to) {
      this.to.value = parseRecipients(win.to.join(","));
    }
    this.pristine = fieldsKey(this.snapshot());
    this.stopPersisting = effect(() => this.persist());
  }

  load(d: StoredDraft): void {
    batch(() => {
      this.to.value = d.to;
      this.cc.value = d.cc;
      this.bcc.value = d.bcc;
      this.subject.value = d.subject;
      this.format.value = d.format;
      this.body.value = d.format === "rich" ? sanitizeHtml(d.body) : d.body;
      this.attachments.value = d.attachments.map((a) => ({ ...a, key: a.id, progress: 1 }));
      this.generation = d.generation;
    });
  }

  snapshot(): StoredDraft {
    return {
      id: this.id,
      mode: this.mode,
      to: this.to.value,
      cc: this.cc.value,
      bcc: this.bcc.value,
      subject: this.subject.value,
      format: this.format.value,
      body: this.body.value,
      attachments: this.attachments.value.filter((a) => a.id).map((a) => ({ id: a.id!, filename: a.filename, contentType: a.contentType, size: a.size })),
      inReplyTo: this.inReplyTo,
      generation: this.generation,
      updatedAt: Date.now(),
    };
  }

  /** Every change goes to this device at once (reading the signals subscribes the effect to them). */
  private persist(): void {
    const snap = this.snapshot();
    if (!this.touched && fieldsKey(snap) === this.pristine) return;
    this.touched = true;
    try {
      localStorage.setItem(this.key, JSON.stringify(snap));
    } catch {
      // Storage full or disabled: the server's copy is the only one then.
    }
  }

  forget(): void {
    localStorage.removeItem(this.key);
  }

  /** Stops writing to this device (the window closed); what is there stays. */
  stop(): void {
    this.stopPersisting();
  }

  /** Stops writing to this device and removes its copy (sent, discarded); keeps the fields for an Undo. */
  detach(): void {
    this.stopPersisting();
    this.forget();
  }

  reattach(): void {
    this.stopPersisting();
    this.touched = true;
    this.stopPersisting = effect(() => this.persist());
  }

  setFormat(format: Format): void {
    if (format === this.format.value) return;
    localStorage.setItem(FORMAT_KEY, format);
    batch(() => {
      this.body.value = format === "rich" ? textToHtml(this.body.value) : htmlToText(this.body.value).replace(/\n$/, "");
      this.format.value = format;
    });
  }

  isEmpty(): boolean {
    const body = this.format.value === "rich" ? isBlankHtml(this.body.value) : !this.body.value.trim();
    return body && !this.subject.value && !this.to.value.length && !this.cc.value.length && !this.bcc.value.length && !this.attachments.value.length;
  }

  /** The fields of PUT /drafts/{id} and POST /messages. A draft leaves invalid addresses out (they stay here). */
  request(forSending: boolean): DraftRequest {
    const list = (rs: Recipient[]) => rs.filter((r) => forSending || r.valid).map(toInput);
    const rich = this.format.value === "rich";
    const html = rich ? sanitizeHtml(this.body.value) : undefined;
    return {
      to: list(this.to.value),
      cc: list(this.cc.value),
      bcc: list(this.bcc.value),
      subject: this.subject.value.replace(/[\r\n]+/g, " "),
      ...(rich ? { html: html!, text: htmlToText(html!) } : { text: this.body.value }),
      attachments: this.attachments.value.filter((a) => a.id).map((a) => ({ id: a.id!, filename: a.filename, contentType: a.contentType })),
      ...(this.inReplyTo ? { inReplyTo: this.inReplyTo } : {}),
    };
  }
}

const fieldsKey = (d: StoredDraft) => JSON.stringify({ ...d, updatedAt: 0 });

/** Drafts by window id, beyond the life of their components. */
const drafts = new Map<string, Draft>();

export function draftFor(win: ComposeWindow): Draft {
  let d = drafts.get(win.id);
  if (d && win.restore) {
    d.load(win.restore);
    d.reattach();
  }
  if (!d) drafts.set(win.id, (d = new Draft(win)));
  return d;
}

export function dropDraft(id: string): void {
  drafts.delete(id);
}
