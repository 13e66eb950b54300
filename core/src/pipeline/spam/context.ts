// The per-message facts every check reads, computed once.
import { readHeaderFields } from "./header-fields.ts";
import { htmlVisibleText } from "../../mail-format/html-text.ts";
import type { CheckContext, SpamInput } from "./input.ts";
import { bareUrls, htmlAnchors, type Link } from "./links.ts";

// Spam checks read at most this much of a body: enough to judge, bounded in cost.
const MAX_BODY_CHARS = 256 * 1024;

export function mimeTypesOf(raw: Buffer): string[] {
  const types: string[] = [];
  const text = raw.toString("latin1", 0, Math.min(raw.length, 4 * 1024 * 1024));
  for (const m of text.matchAll(/^content-type:[ \t]*(?:\r?\n[ \t]+)?([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)/gim)) {
    types.push(m[1]!.toLowerCase());
  }
  return types;
}

export function buildContext(input: SpamInput, now: number): CheckContext {
  const mimeTypes = mimeTypesOf(input.raw);
  const html = mimeTypes.includes("text/html") && input.mail.html ? input.mail.html.slice(0, MAX_BODY_CHARS) : null;
  // An HTML-only message has no text part: its text is the HTML's, as the reader sees it.
  const text = (input.mail.text ?? (input.mail.html ? htmlVisibleText(input.mail.html.slice(0, 4 * MAX_BODY_CHARS)) : "")).slice(0, MAX_BODY_CHARS);
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const link of [...(html ? htmlAnchors(html) : []), ...bareUrls(text)]) {
    if (seen.has(link.url)) continue;
    seen.add(link.url);
    links.push(link);
  }
  return { headers: readHeaderFields(input.raw), now, mimeTypes, html, text, links };
}
