// Plain-text mail as the reader shows it: quoted passages (lines starting with ">") apart from the
// rest, and web and mail addresses as links. Pure functions; the view escapes (it renders text nodes).

export type Segment = string | { href: string; text: string };

export interface TextBlock {
  quoted: boolean;
  segments: Segment[];
}

const LINK = /\b(?:https?:\/\/|mailto:|www\.)[^\s<>"]+/gi;

/** Punctuation that ends a sentence rather than the link; a ")" stays when the link opened one. */
function trimLink(candidate: string): string {
  let link = candidate.replace(/[.,;:!?'"\]>]+$/, "");
  while (link.endsWith(")") && (link.match(/\(/g)?.length ?? 0) < (link.match(/\)/g)?.length ?? 0)) {
    link = link.slice(0, -1).replace(/[.,;:!?'"\]>]+$/, "");
  }
  return link;
}

export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  for (const match of text.matchAll(LINK)) {
    const link = trimLink(match[0]);
    if (/^(?:https?:\/\/|mailto:|www\.)$/i.test(link)) continue;
    if (match.index > at) segments.push(text.slice(at, match.index));
    segments.push({ href: /^www\./i.test(link) ? `https://${link}` : link, text: link });
    at = match.index + link.length;
  }
  if (at < text.length) segments.push(text.slice(at));
  return segments;
}

/** Consecutive lines, quoted or not, as blocks. */
export function textBlocks(text: string): TextBlock[] {
  const blocks: { quoted: boolean; lines: string[] }[] = [];
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const quoted = /^\s*>/.test(line);
    const last = blocks.at(-1);
    if (last && last.quoted === quoted) last.lines.push(line);
    else blocks.push({ quoted, lines: [line] });
  }
  return blocks.map((b) => ({ quoted: b.quoted, segments: linkify(b.lines.join("\n")) }));
}
