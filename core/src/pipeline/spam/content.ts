// Content heuristics: the tricks bulk mail uses to get past readers and filters. Newsletters do some
// of this legitimately (a hidden preview line, link-heavy layouts, tracking redirects), hence small
// scores and thresholds that an ordinary newsletter stays under.
import { addressDomain, orgDomain } from "./domains.ts";
import type { Check, CheckContext, Hit } from "./input.ts";
import { publicIpv4 } from "./ipv4.ts";
import { stripTags } from "./links.ts";

function subjectHits(subject: string): Hit[] {
  const hits: Hit[] = [];
  const letters = subject.replace(/[^\p{L}]/gu, "");
  const upper = subject.replace(/[^\p{Lu}]/gu, "").length;
  // Short subjects ("RE: FYI", "NASA") are often capitals for good reason.
  if (letters.length >= 10 && upper / letters.length >= 0.8) hits.push({ name: "SUBJ_ALL_CAPS", score: 0.8 });
  if (subject.includes("!!!") || subject.split("!").length > 4) hits.push({ name: "SUBJ_EXCLAIM", score: 0.6 });
  return hits;
}

function linkHits(ctx: CheckContext, fromDomain: string | null): Hit[] {
  const hits: Hit[] = [];
  const web = ctx.links.filter((l) => l.host !== null);
  // Links with hardly any text around them: image-only mail, "click here" and nothing else.
  // Newsletters have many links too, but also words to go with them.
  const words = (ctx.text.replace(/\b(?:https?:\/\/|www\.)\S+/gi, " ").match(/\p{L}{2,}/gu) ?? []).length;
  if (web.length >= 3 && words < 50 && words < 2 * web.length) hits.push({ name: "URI_HEAVY", score: 0.7, detail: `${web.length} links, ${words} words` });
  const numeric = web.find((l) => isPublicIpHost(l.host!));
  if (numeric) hits.push({ name: "NUMERIC_HTTP_ADDR", score: 1.0, detail: numeric.host! });
  // A link that shows one address and leads to another. Newsletters do this through their click
  // counters, run by the sender or its mailing service; so only a link leading away from both the
  // shown domain and the sender's counts.
  const fromOrg = fromDomain ? orgDomain(fromDomain) : null;
  const mismatch = web.find((l) => {
    const shown = l.text?.match(/^(?:https?:\/\/)((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]\S*)?$/i);
    if (!shown) return false;
    const target = orgDomain(l.host!);
    return target !== orgDomain(shown[1]!) && target !== fromOrg;
  });
  if (mismatch) hits.push({ name: "HTML_URI_MISMATCH", score: 1.0, detail: `${mismatch.text} → ${mismatch.host}` });
  return hits;
}

/** A literal public IPv4 host: dotted, or the single decimal number browsers also accept. */
export function isPublicIpHost(host: string): boolean {
  return /^\d{8,10}$/.test(host) || publicIpv4(host) !== null;
}

// Styles that keep text from being seen. Text hidden this way is written for filters, not readers
// (Bayes poisoning), except a short preview line, which display:none hides in many newsletters.
const INVISIBLE = /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*(?:0|[01](?:\.\d+)?(?:px|pt)|0?\.\d+(?:em|rem))\s*(?:[;"']|$)/i;
const WHITE_TEXT = /(?:^|[^-])color\s*:\s*(?:#fff\b|#ffffff\b|white\b)|\bcolor\s*=\s*["']?(?:#?ffffff|white)\b/i;
// A background that is not white: white text over it may be readable.
const COLOURED_BACKGROUND = /(?:bgcolor\s*=\s*["']?|background(?:-color)?\s*:\s*)(?!["']?(?:#fff\b|#ffffff\b|white\b|transparent\b|none\b))|background\s*=|url\(/i;
const PREVIEW_LINE_LETTERS = 150;
const HIDDEN_LETTERS = 30;

function hiddenTextHits(html: string): Hit[] {
  const whiteIsHidden = !COLOURED_BACKGROUND.test(html);
  let invisible = 0;
  let white = 0;
  const lower = html.toLowerCase();
  for (const m of html.matchAll(/<([a-z][a-z0-9]*)\b([^>]{0,2000})>/gi)) {
    const attrs = m[2]!;
    const hides = INVISIBLE.test(attrs);
    const whitens = whiteIsHidden && WHITE_TEXT.test(attrs);
    if (!hides && !whitens) continue;
    const start = m.index + m[0].length;
    // The element's text, up to its closing tag, looked for within a bounded window.
    const window = lower.slice(start, start + 5000);
    const close = window.indexOf(`</${m[1]!.toLowerCase()}`);
    const inner = html.slice(start, start + (close === -1 ? 2000 : close));
    const letters = stripTags(inner).replace(/[^\p{L}]/gu, "").length;
    if (hides) invisible += letters;
    else white += letters;
  }
  const hits: Hit[] = [];
  if (invisible >= PREVIEW_LINE_LETTERS) hits.push({ name: "HTML_HIDDEN_TEXT", score: 1.0, detail: `${invisible} letters` });
  if (white >= HIDDEN_LETTERS) hits.push({ name: "HTML_FONT_LOW_CONTRAST", score: 0.8, detail: `${white} letters` });
  return hits;
}

export const contentCheck: Check = (input, ctx) => {
  const hits = [...subjectHits(input.mail.subject), ...linkHits(ctx, addressDomain(input.mail.from?.address))];
  if (ctx.html !== null) {
    hits.push(...hiddenTextHits(ctx.html));
    if (!ctx.mimeTypes.includes("text/plain")) hits.push({ name: "MIME_HTML_ONLY", score: 0.5 });
  }
  return hits;
};
