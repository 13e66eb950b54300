// The rich body: sanitized with DOMPurify before it leaves the editor (saved or sent), and a text
// alternative made from it, as mail clients send multipart/alternative.
import DOMPurify from "dompurify";

const ALLOWED_TAGS = ["p", "div", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "blockquote", "span", "h1", "h2", "h3", "pre", "code", "hr"];

/** Only formatting the toolbar (or a paste) can make; links open outside, never javascript:. */
export function sanitizeHtml(html: string): string {
  return DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR: ["href"], ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i });
}

const BLOCKS = new Set(["P", "DIV", "LI", "BLOCKQUOTE", "H1", "H2", "H3", "PRE", "UL", "OL", "HR"]);

/** The text alternative: paragraphs as lines, list items as "- ", links as "text (url)", quotes as "> ". */
export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(`<body>${sanitizeHtml(html)}</body>`, "text/html");
  const out: string[] = [];
  let line = "";
  const flush = (quote: number) => {
    out.push((quote ? "> ".repeat(quote) : "") + line.replace(/[ \t]+$/, ""));
    line = "";
  };
  const walk = (node: Node, quote: number) => {
    if (node.nodeType === Node.TEXT_NODE) {
      line += (node.textContent ?? "").replace(/\s+/g, " ");
      return;
    }
    if (!(node instanceof Element)) return;
    const tag = node.tagName;
    if (tag === "BR") return flush(quote);
    const block = BLOCKS.has(tag);
    if (block && line) flush(quote);
    if (tag === "LI") line += node.parentElement?.tagName === "OL" ? `${[...node.parentElement.children].indexOf(node) + 1}. ` : "- ";
    if (tag === "HR") line += "----";
    const inner = tag === "BLOCKQUOTE" ? quote + 1 : quote;
    node.childNodes.forEach((c) => walk(c, inner));
    if (tag === "A") {
      const href = node.getAttribute("href");
      if (href && href !== node.textContent && `mailto:${node.textContent}` !== href) line += ` (${href})`;
    }
    if (block && line) flush(inner);
  };
  doc.body.childNodes.forEach((c) => walk(c, 0));
  if (line) flush(0);
  return out.join("\n").replace(/\n{3,}/g, "\n\n").replace(/\s+$/, "") + "\n";
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Plain text as editor HTML: one paragraph per line, lines starting with ">" as a quote. */
export function textToHtml(text: string): string {
  const lines = text.split("\n");
  const html: string[] = [];
  for (let i = 0; i < lines.length; ) {
    if (lines[i]!.startsWith(">")) {
      const quoted: string[] = [];
      while (i < lines.length && lines[i]!.startsWith(">")) quoted.push(lines[i++]!.replace(/^> ?/, ""));
      html.push(`<blockquote>${textToHtml(quoted.join("\n"))}</blockquote>`);
    } else {
      const l = lines[i++]!;
      html.push(l ? `<div>${escapeHtml(l)}</div>` : "<div><br></div>");
    }
  }
  return html.join("");
}

export const isBlankHtml = (html: string) => !html.replace(/<br\s*\/?>|<\/?(div|p)>|&nbsp;|\s/gi, "");
