// The words the learning classifier counts, after SpamBayes's tokenizer (Tim Peters et al.): body
// words folded to lower case, header words tagged with the header's name (a word in the Subject
// says something else than the same word in Received), URLs cut into host and path pieces, and
// markers for how the message is built (who signs the Message-ID, whether the links go to the
// sender's own domain, how big the text is). Every token is hashed to a 32-bit number: the model is
// a map of numbers, small in memory and in the database.
//
// Measured on the SpamAssassin corpus (bench/spam.ts) and left out because they made it worse: word
// pairs (bigrams), HTML tag and attribute names (they mark every HTML newsletter as spam), and
// counting all header values rather than the ones below.
import { addressParser } from "postal-mime";
import { domainParts } from "./domains.ts";
import type { HeaderField } from "./header-fields.ts";
import type { CheckContext, SpamInput } from "./input.ts";

// Headers added on the receiving side: by filters (ours and others'), and by the mail stores and
// clients the message passed through on arrival (SpamAssassin's Bayes ignores these too). Training
// reads the stored copy, which has them, while scoring reads the copy as received: counting them
// would teach the model its own verdicts, or the habits of one user's mail client.
const IGNORED_HEADER =
  /^(?:x-spam|authentication-results$|arc-|received-spf$|x-virus|x-keywords$|x-uidl?$|x-status$|status$|x-mozilla-|x-evolution|x-gnus-|delivery-date$|envelope-to$|x-imap)/;
// Headers whose words are worth counting, each under its own name.
const WORD_HEADERS = new Set([
  "subject", "x-mailer", "user-agent", "organization", "x-priority", "x-msmail-priority", "importance", "precedence",
  "content-type", "content-transfer-encoding", "mime-version", "list-id", "x-mimeole", "thread-index",
]);
const ADDRESS_HEADERS = new Set(["from", "to", "cc", "reply-to", "sender", "return-path", "errors-to", "delivered-to"]);

const MIN_WORD = 3;
const MAX_WORD = 12;
const MAX_TEXT = 64 * 1024;
// Chinese, Japanese and Korean are written without spaces: pairs of characters stand for words.
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/g;
const EDGE_PUNCTUATION = /^[^\p{L}\p{N}$]+|[^\p{L}\p{N}%]+$/gu;

/** FNV-1a, 32 bits: fast in JavaScript, and collisions at this width barely move a verdict. */
export function hashToken(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// Longer than this, a "word" is a blob (base64, a URL with its query): summarized, not read.
const MAX_RAW_WORD = 200;

function addWords(out: string[], prefix: string, text: string): void {
  for (const raw of text.split(/\s+/)) {
    const cjk = raw.length > 1 ? raw.slice(0, 4000).match(CJK) : null;
    if (cjk) for (let i = 0; i + 1 < cjk.length; i++) out.push(`${prefix}cjk:${cjk[i]}${cjk[i + 1]}`);
    if (raw.length > MAX_RAW_WORD) {
      if (/^(?:https?:\/\/|www\.)/i.test(raw)) addUrl(out, raw.slice(0, 2000));
      else out.push(`${prefix}skip:${raw[0]} ${raw.length > 1000 ? "1000+" : Math.floor(raw.length / 100) * 100}`);
      continue;
    }
    const word = raw.replace(EDGE_PUNCTUATION, "");
    if (word.length < MIN_WORD) continue;
    if (word.length <= MAX_WORD) out.push(prefix + word);
    else if (word.includes("@")) addEmail(out, word);
    else if (/^(?:https?:\/\/|www\.)/i.test(word)) addUrl(out, word);
    // A long run of letters is usually an encoded blob or words glued together: what matters is
    // that it is there, and roughly how long.
    else out.push(`${prefix}skip:${word[0]} ${Math.floor(word.length / 10) * 10}`);
  }
}

function addEmail(out: string[], word: string): void {
  const at = word.lastIndexOf("@");
  out.push(`email name:${word.slice(0, at)}`);
  for (const piece of word.slice(at + 1).split(".")) if (piece) out.push(`email addr:${piece}`);
}

function addUrl(out: string[], url: string): void {
  if (/^mailto:/i.test(url)) {
    out.push("proto:mailto");
    return;
  }
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/?#:]+)[^/?#]*(.*)$/i.exec(url);
  if (!m) return;
  out.push(`proto:${m[1]?.toLowerCase() ?? "none"}`);
  const host = m[2]!.toLowerCase();
  if (/^\d+(?:\.\d+){3}$/.test(host)) out.push("url:ip");
  for (const piece of host.split(".")) if (piece) out.push(`url:${piece}`);
  out.push(`url-org:${domainParts(host).org}`);
  for (const piece of m[3]!.split(/[/?&=#.%_-]+/)) if (piece.length >= 2 && piece.length <= 20) out.push(`url-path:${piece.toLowerCase()}`);
}

function addAddresses(out: string[], name: string, value: string): void {
  let count = 0;
  for (const a of addressParser(value)) {
    for (const m of "group" in a && a.group ? a.group : [a]) {
      count++;
      const address = ("address" in m ? m.address : "")?.toLowerCase() ?? "";
      const at = address.lastIndexOf("@");
      if (at > 0) out.push(`${name}:addr:${address}`, `${name}:domain:${address.slice(at + 1)}`);
      else out.push(`${name}:addr:none`);
      for (const w of (m.name ?? "").toLowerCase().split(/[\s"',.()<>]+/)) if (w) out.push(`${name}:name:${w}`);
      if (!m.name) out.push(`${name}:name:none`);
    }
  }
  if (name === "to" || name === "cc") out.push(`${name}:count:${count > 5 ? "many" : count}`);
}

function addReceived(out: string[], value: string): void {
  for (const ip of value.matchAll(/\[?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\]?/g)) {
    out.push(`received:${ip[1]}`, `received:${ip[1]}.${ip[2]}`, `received:${ip[1]}.${ip[2]}.${ip[3]}`);
  }
  for (const host of value.toLowerCase().matchAll(/\b(?:from|by)\s+([a-z0-9.-]+\.[a-z]{2,})/g)) {
    const labels = host[1]!.split(".");
    // "mail.example.com" → example.com, mail.example.com
    for (let i = labels.length - 2; i >= 0; i--) out.push(`received:${labels.slice(i).join(".")}`);
  }
  const by = /\bwith\s+([a-z0-9]+)/i.exec(value);
  if (by) out.push(`received:with:${by[1]!.toLowerCase()}`);
}

/** Letters, capitals and digits as a pattern ("<3D2F1A@x>" → "9A9A9A"): bulk mailers' Message-IDs
 * and MIME boundaries have shapes of their own. */
function shape(value: string): string {
  return value.replace(/[a-z]+/g, "a").replace(/[A-Z]+/g, "A").replace(/[0-9]+/g, "9").slice(0, 30);
}

function headerTokens(out: string[], headers: HeaderField[]): void {
  const seen = new Map<string, number>();
  for (const { name, value } of headers) {
    if (IGNORED_HEADER.test(name)) continue;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n <= 3) out.push(`header:${name}:${n}`);
    if (ADDRESS_HEADERS.has(name)) addAddresses(out, name, value);
    else if (name === "received") addReceived(out, value);
    else if (name === "message-id") {
      const m = /^<?([^@]*)@([^>\s]+)>?\s*$/.exec(value);
      out.push(m ? `message-id:@${m[2]!.toLowerCase()}` : "message-id:invalid");
      if (m) out.push(`message-id:shape:${shape(m[1]!)}`);
    } else if (name === "date") {
      const zone = /([+-]\d{4}|[A-Z]{2,5})\s*(?:\(.*\))?$/.exec(value);
      out.push(`date:zone:${zone ? zone[1] : "none"}`, `date:shape:${shape(value)}`);
    } else if (WORD_HEADERS.has(name)) {
      if (name === "subject") {
        // Capitals matter in a subject ("FREE"); the lower-case words match the body's.
        addWords(out, "subject:", value);
        addWords(out, "subject:", value.toLowerCase());
      } else addWords(out, `${name}:`, value.toLowerCase());
    }
  }
}

function log2Bucket(n: number): number {
  return n <= 0 ? 0 : Math.round(Math.log2(n));
}

function orgOfAddressIn(value: string | undefined): string {
  const m = value ? /@([^>\s]+)/.exec(value) : null;
  return m ? domainParts(m[1]!.toLowerCase()).org : "";
}

/** How the message is put together: whether the sender's domain also signs the Message-ID, the
 * bounce address and the links, how much text and HTML there is, and the MIME boundaries' shapes. */
function structureTokens(out: string[], input: SpamInput, ctx: CheckContext): void {
  const fromOrg = orgOfAddressIn(input.mail.from?.address);
  const first = (name: string) => ctx.headers.find((h) => h.name === name)?.value;
  const relation = (org: string) => (!org ? "missing" : org === fromOrg ? "same" : "other");
  out.push(`meta:mid-from:${relation(orgOfAddressIn(first("message-id")))}`);
  // Return-Path is written at final delivery; before it (outgoing mail) the envelope sender is what
  // it will say.
  out.push(`meta:rp-from:${relation(orgOfAddressIn(first("return-path") ?? (input.mailFrom ? `<${input.mailFrom}>` : undefined)))}`);
  out.push(`meta:received:${Math.min(ctx.headers.filter((h) => h.name === "received").length, 12)}`);
  const orgs = new Set(ctx.links.filter((l) => l.host).map((l) => domainParts(l.host!).org));
  out.push(`meta:links:${log2Bucket(ctx.links.length)}`, `meta:link-orgs:${log2Bucket(orgs.size)}`);
  if (orgs.size > 0) out.push(`meta:links-from:${orgs.has(fromOrg) ? "yes" : "no"}`);
  out.push(`meta:text:${log2Bucket(ctx.text.length)}`);
  if (ctx.html) {
    out.push(`meta:html:${log2Bucket(ctx.html.length)}`, `meta:html-text:${Math.round((ctx.text.length / Math.max(1, ctx.html.length)) * 10)}`);
  }
  const head = input.raw.toString("latin1", 0, Math.min(input.raw.length, 65536));
  for (const m of head.matchAll(/boundary="?([^";\r\n]+)/gi)) out.push(`meta:boundary:${shape(m[1]!)}`);
  const subject = input.mail.subject;
  out.push(`meta:subject:${log2Bucket(subject.length)}`, `meta:subject-shape:${shape(subject).replace(/a A|A a/g, "aA").slice(0, 12)}`);
  for (const type of ctx.mimeTypes) out.push(`mime:${type}`);
  for (const a of input.mail.attachments) {
    const ext = /\.([a-z0-9]{1,8})$/i.exec(a.filename);
    out.push(`attachment:${ext ? ext[1]!.toLowerCase() : "none"}`);
  }
}

/** The tokens of one message, each once. */
export function tokenize(input: SpamInput, ctx: CheckContext): string[] {
  const out: string[] = [];
  headerTokens(out, ctx.headers);
  structureTokens(out, input, ctx);
  for (const link of ctx.links) addUrl(out, link.url);
  addWords(out, "", ctx.text.slice(0, MAX_TEXT).toLowerCase());
  return [...new Set(out)];
}

export function tokenHashes(tokens: string[]): number[] {
  return [...new Set(tokens.map(hashToken))];
}
