// A Content-ID as an attachment carries it (<part1@x>) and as HTML names it (cid:part1@x, maybe
// percent-encoded), brought to one form so the two can be matched.
export function normalizeContentId(raw: string): string {
  let id = raw.trim().replace(/^cid:/i, "");
  try {
    id = decodeURIComponent(id);
  } catch {
    // A stray % in the id: compare it as written.
  }
  return id.replace(/^<|>$/g, "").toLowerCase();
}

/** The Content-IDs an HTML body names (cid:…), normalized; a quick look, no parsing needed. */
export function contentIdsIn(html: string): Set<string> {
  return new Set(Array.from(html.matchAll(/\bcid:([^\s"'()<>\\]+)/gi), (m) => normalizeContentId(m[1]!)));
}
