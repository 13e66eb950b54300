// POST /api/v1/attachments: the raw bytes of one file (its type in Content-Type, its name in
// ?filename= or Content-Disposition), streamed to R2 under their SHA-256. Answers an id for sending.
import { Hono } from "hono";
import type { UploadedAttachment } from "../../../shared/api.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { attachmentId } from "../attachment-token.ts";

function filenameOf(query: string | undefined, disposition: string | undefined): string {
  const fromHeader = disposition ? (/filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1] ?? /filename="?([^";]+)"?/i.exec(disposition)?.[1]) : undefined;
  let name = query ?? fromHeader ?? "attachment";
  try {
    name = query ? name : decodeURIComponent(name);
  } catch {
    // keep it as sent
  }
  if (name.length === 0 || name.length > 255 || /[\r\n\0/\\]/.test(name)) {
    throw new ProblemError("validation", "The file name must be 1–255 characters without line breaks, NUL or slashes.", { errors: [{ field: "filename", message: "not a usable file name" }] });
  }
  return name;
}

export const uploadRoutes = new Hono().post("/attachments", async (c) => {
  const { maxMessageBytes, tokenSecret } = c.get("config");
  const length = Number(c.req.header("content-length"));
  const body = c.req.raw.body;
  if (!body || !Number.isSafeInteger(length) || c.req.header("content-length") === undefined) {
    throw new ProblemError("lengthRequired", "Send the file as the request body with a Content-Length header.");
  }
  if (length > maxMessageBytes) throw new ProblemError("payloadTooLarge", `An attachment can have at most ${maxMessageBytes} bytes.`);
  if (length === 0) throw new ProblemError("validation", "The file is empty.", { errors: [{ field: "(body)", message: "empty" }] });
  const contentType = (c.req.header("content-type") ?? "application/octet-stream").split(";")[0]!.trim().toLowerCase();
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(contentType)) {
    throw new ProblemError("validation", "Content-Type must be a media type such as application/pdf.", { errors: [{ field: "Content-Type", message: "not a media type" }] });
  }
  const filename = filenameOf(c.req.query("filename"), c.req.header("content-disposition"));
  const { sha256, size } = await c.get("blobs").putContentAddressed(body, length, contentType);
  // The user's core scans it (clamd) before it may be attached: an infected file is refused with 422.
  const user = c.get("user");
  await c.get("core").read(user.rgn, coreApi.scanUpload, { params: { userId: user.sub }, body: { sha256 } });
  const uploaded: UploadedAttachment = { id: await attachmentId(tokenSecret, user.sub, { sha256, size, filename, contentType }), filename, contentType, size };
  return c.json(uploaded, 201);
});
