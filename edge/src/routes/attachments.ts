// GET /api/v1/messages/{id}/attachments/{attachmentId}: the core says where the bytes are (and
// that they belong to this user); the edge streams them from R2, with Range support.
import { Hono } from "hono";
import { Id } from "../../../shared/api.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { parseRange } from "../range.ts";

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name. */
export function contentDisposition(kind: "attachment" | "inline", filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const exact = encodeURIComponent(filename).replace(/['()*]/g, (ch) => "%" + ch.charCodeAt(0).toString(16).toUpperCase());
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

// Types a browser would run on our origin if shown inline; they are always downloaded instead.
const ACTIVE = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript)\b/i;

export const attachmentRoutes = new Hono().get("/messages/:id/attachments/:attachmentId", async (c) => {
  const id = c.req.param("id");
  if (!Id.safeParse(id).success) throw new ProblemError("notFound", `No message ${id}.`);
  const user = c.get("user");
  const meta = await c.get("core").read(user.rgn, coreApi.attachment, { params: { userId: user.sub, id, attachmentId: c.req.param("attachmentId") } });

  const range = parseRange(c.req.header("range"), meta.size);
  if (range.kind === "unsatisfiable") {
    throw new ProblemError("rangeNotSatisfiable", `The attachment has ${meta.size} bytes.`, {
      headers: { "content-range": `bytes */${meta.size}` },
    });
  }
  const object = await c.get("blobs").get(meta.blobKey, range.kind === "partial" ? range : undefined);
  if (!object) throw new ProblemError("badGateway", "The attachment's content is missing from storage.");

  const inline = meta.disposition === "inline" && !ACTIVE.test(meta.contentType);
  const headers: Record<string, string> = {
    "content-type": meta.contentType,
    "content-disposition": contentDisposition(inline ? "inline" : "attachment", meta.filename),
    "accept-ranges": "bytes",
    // Content-addressed: the key is the hash, so it never changes.
    etag: `"${meta.blobKey.split("/").pop()}"`,
    "cache-control": "private, max-age=86400, immutable",
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
  };
  if (range.kind === "partial") {
    headers["content-range"] = `bytes ${range.offset}-${range.offset + range.length - 1}/${meta.size}`;
    headers["content-length"] = String(range.length);
    return c.body(object.body, 206, headers);
  }
  headers["content-length"] = String(meta.size);
  return c.body(object.body, 200, headers);
});
