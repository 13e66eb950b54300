// The links of a message: HTML anchors (with the text a reader sees) and bare URLs in the text.
// Scanned with indexOf and bounded regexes, not an HTML parser: spam HTML is broken on purpose, and
// this runs on every message.

export interface Link {
  /** The URL as written (href, or the bare URL in text). */
  url: string;
  /** Lower-case host, or null for mailto:, relative and unparsable links. */
  host: string | null;
  /** The visible text of an HTML anchor; null for a bare URL. */
  text: string | null;
}

const MAX_LINKS = 500;
const MAX_ANCHOR_TEXT = 400;

const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
const BARE_URL = /\b(?:https?:\/\/|www\.)[^\s<>"'()[\]{}]{2,2000}/gi;

export function linkHost(url: string): string | null {
  const m = /^(?:https?:)?\/\/([^/?#\s]+)/i.exec(url.trim()) ?? /^(www\.[^/?#\s]+)/i.exec(url.trim());
  if (!m) return null;
  const host = m[1]!.replace(/^[^@]*@/, "").replace(/:\d*$/, "").replace(/\.$/, "").toLowerCase();
  return host.length > 0 ? host : null;
}

export function stripTags(html: string): string {
  return html.replace(/<[^>]{0,2000}>/g, " ").replace(/&nbsp;/gi, " ").replace(/&amp;/gi, "&").replace(/\s+/g, " ").trim();
}

export function htmlAnchors(html: string): Link[] {
  const links: Link[] = [];
  const lower = html.toLowerCase();
  let at = lower.indexOf("<a");
  while (at !== -1 && links.length < MAX_LINKS) {
    const tagEnd = lower.indexOf(">", at);
    if (tagEnd === -1) break;
    const next = lower.charCodeAt(at + 2);
    // "<a " or "<a\n": an anchor, not <abbr> or <area>
    if (next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d) {
      const href = HREF.exec(html.slice(at, tagEnd));
      if (href) {
        const url = (href[1] ?? href[2] ?? href[3] ?? "").trim();
        // The anchor's text, up to </a>, looked for within a bounded window.
        const close = lower.slice(tagEnd + 1, tagEnd + 1 + MAX_ANCHOR_TEXT).indexOf("</a");
        const text = html.slice(tagEnd + 1, tagEnd + 1 + (close === -1 ? MAX_ANCHOR_TEXT : close));
        links.push({ url, host: linkHost(url), text: stripTags(text) });
      }
    }
    at = lower.indexOf("<a", tagEnd);
  }
  return links;
}

export function bareUrls(text: string): Link[] {
  const links: Link[] = [];
  for (const m of text.matchAll(BARE_URL)) {
    if (links.length >= MAX_LINKS) break;
    const url = m[0].replace(/[.,;:!?]+$/, "");
    links.push({ url, host: linkHost(url.startsWith("www.") ? `//${url}` : url), text: null });
  }
  return links;
}
