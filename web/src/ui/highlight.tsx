// The search API's `highlight`: text escaped as HTML with the matches in <mark>…</mark>
// (core/src/search/highlight.ts). Drawn as text and <mark> elements, never as HTML, so a fault in the
// server's escaping could not put markup into the page.
const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
const unescape = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);

export function Highlight({ html }: { html: string }) {
  // Odd pieces were inside <mark>.
  const pieces = html.split(/<\/?mark>/);
  return <>{pieces.map((p, i) => (i % 2 ? <mark key={i}>{unescape(p)}</mark> : unescape(p)))}</>;
}
