// The text of an HTML body as a reader sees it, for the spam checks and the classifier, the search
// index and its snippets (a mail-format helper below every layer that reads mail). Spam splits its
// words with comments and empty inline tags ("V<!-- x -->ia<b></b>gra") so that word filters miss
// them: those are removed without a space, which joins the word back; block tags become spaces.
// Everything here is linear in the input: spam HTML is hostile, and an unclosed comment or <style>
// hides the rest of the document, as it does in a browser.

const INLINE = new Set(["a", "b", "i", "u", "em", "strong", "span", "font", "small", "big", "sub", "sup", "s", "strike", "abbr", "tt", "wbr"]);
const HIDDEN_ELEMENTS = /<!--|<(script|style|head|title)\b/gi;

const ENTITIES: Record<string, string> = {
  nbsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", copy: "©", reg: "®", trade: "™", euro: "€", pound: "£",
  mdash: "—", ndash: "–", hellip: "…", rsquo: "’", lsquo: "‘", rdquo: "”", ldquo: "“", bull: "•", middot: "·",
};

function decodeEntity(entity: string, body: string): string {
  if (body[0] === "#") {
    const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  }
  return ENTITIES[body.toLowerCase()] ?? entity;
}

/** The HTML without comments and without the elements a reader never sees. */
function withoutHidden(html: string): string {
  const lower = html.toLowerCase();
  let out = "";
  let from = 0;
  for (const m of html.matchAll(HIDDEN_ELEMENTS)) {
    if (m.index < from) continue;
    out += html.slice(from, m.index);
    const close = m[1] ? lower.indexOf(`</${m[1].toLowerCase()}`, m.index) : lower.indexOf("-->", m.index + 4);
    if (close === -1) return out;
    // A comment vanishes (joining the word around it); an element leaves a space.
    from = m[1] ? lower.indexOf(">", close) + 1 || html.length : close + 3;
    if (m[1]) out += " ";
  }
  return out + html.slice(from);
}

export function htmlVisibleText(html: string): string {
  return withoutHidden(html)
    .replace(/<\/?([a-z][a-z0-9]*)\b[^>]{0,2000}>/gi, (_, tag: string) => (INLINE.has(tag.toLowerCase()) ? "" : " "))
    .replace(/&(#x?[0-9a-f]{1,6}|[a-z]{2,8});?/gi, decodeEntity)
    .replace(/[ \t\r\n\f\u00a0]+/g, " ")
    .trim();
}
