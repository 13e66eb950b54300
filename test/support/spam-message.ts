// Messages for the spam checks' tests: RFC 5322 text built from headers and a body, parsed the way
// the pipeline parses it, and corpus messages with a classifier trained on part of the corpus.
import { parseMail } from "../../core/src/mail-format/parse.ts";
import { BayesModel } from "../../core/src/store/bayes-model.ts";
import { messageTokens } from "../../core/src/pipeline/spam/bayes.ts";
import { firstField, readHeaderFields } from "../../core/src/pipeline/spam/header-fields.ts";
import type { SpamInput } from "../../core/src/pipeline/spam/input.ts";
import type { AuthVerdict } from "../../core/src/store/auth-verdict.ts";
import { corpusFiles, readCorpusMessage, type CorpusMessage } from "./corpus.ts";

export const SENT_AT = Date.parse("2026-03-02T10:00:00Z");

/** A plain, well-formed message from a person: no check should fire on it. */
export const PLAIN_HEADERS: Record<string, string> = {
  From: "Bob Example <bob@remote.test>",
  To: "alice@example.test",
  Subject: "Lunch on Thursday",
  Date: "Mon, 02 Mar 2026 10:00:00 +0000",
  "Message-ID": "<20260302100000.1234@remote.test>",
  "MIME-Version": "1.0",
  "Content-Type": "text/plain; charset=utf-8",
};

/** Headers (null drops a default one) and a body, CRLF line ends. */
export function rfc822(headers: Record<string, string | null>, body: string): Buffer {
  const all = { ...PLAIN_HEADERS, ...headers };
  const head = Object.entries(all)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n");
  return Buffer.from(`${head}\r\n\r\n${body.replace(/\r?\n/g, "\r\n")}`, "utf8");
}

export async function spamInput(raw: Buffer, overrides: Partial<SpamInput> = {}): Promise<SpamInput> {
  return { raw, mail: await parseMail(raw), client: null, auth: null, localDomains: ["example.test"], ...overrides };
}

/** What our MX concludes about mail of 2002 (before SPF and DKIM) over a loopback DNS: nothing
 * verified. The in-process corpus runs score with it, as the product path does (bench:spam --product). */
export const NOTHING_VERIFIED: AuthVerdict = { spf: "none", dkim: "none", dmarc: "none", arc: "none", dmarcPolicy: null, fromDomain: null };

/** A corpus message with CRLF line ends, as it arrives over SMTP. */
export function corpusRaw(m: CorpusMessage): Buffer {
  return Buffer.from(m.raw.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
}

/** A global model trained on every `step`-th corpus message whose index is not `heldOut` mod `step`;
 * returns it with the held-out messages. */
export async function trainedOnCorpus(step: number, sampleEvery = 1): Promise<{ model: BayesModel; heldOut: CorpusMessage[] }> {
  const model = new BayesModel();
  const heldOut: CorpusMessage[] = [];
  const files = corpusFiles().filter((_, i) => i % sampleEvery === 0);
  for (const [i, file] of files.entries()) {
    const m = readCorpusMessage(file);
    if (i % step === 0) {
      heldOut.push(m);
      continue;
    }
    const raw = corpusRaw(m);
    model.learn(messageTokens(raw, await parseMail(raw)), m.kind);
  }
  return { model, heldOut };
}

/** When a corpus message arrived. The corpus was collected by fetching mail from other mailboxes,
 * some of it weeks after delivery, so the newest Received header is the collector's: the oldest
 * dated one (the first hop) stands for the arrival; without one, the Date. */
export function arrivalTime(raw: Buffer): number {
  const fields = readHeaderFields(raw);
  const stamps = fields
    .filter((f) => f.name === "received")
    .map((f) => Date.parse(f.value.slice(f.value.lastIndexOf(";") + 1)))
    .filter(Number.isFinite);
  const date = Date.parse(firstField(fields, "date") ?? "");
  return stamps.at(-1) ?? (Number.isFinite(date) ? date : Date.now());
}
