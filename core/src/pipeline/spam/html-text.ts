// The text of an HTML body as a reader sees it, for the checks and the classifier. Spam splits its
// words with comments and empty inline tags ("V<!-- x -->ia<b></b>gra") so that word filters miss
// them: those are removed without a space, which joins the word back; block tags become spaces.

const INLINE = new Set(["a", "b", "i", "u", "em", "strong", "span", "font", "small", "big", "sub", "sup", "s", "strike", "abbr", "tt", "wbr"]);

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

export function htmlVisibleText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<\/?([a-z][a-z0-9]*)\b[^>]{0,2000}>/gi, (_, tag: string) => (INLINE.has(tag.toLowerCase()) ? "" : " "))
    .replace(/&(#x?[0-9a-f]{1,6}|[a-z]{2,8});?/gi, decodeEntity)
    .replace(/[ \t\r\n\f\u00a0]+/g, " ")
    .trim();
}
