// POST /attachments/scan: the edge has put an upload into R2 and asks, before it answers the client,
// whether the bytes carry a virus. An infected upload is refused with 422, so it can never be sent.
import { Hono } from "hono";
import { coreApi } from "../../../../shared/internal-api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import type { VirusScan } from "../../smtp/inbound/virus-scan.ts";
import { attachmentKey, type BlobStore } from "../../store/blobs.ts";
import type { Logger } from "../../log.ts";
import { answer, serve } from "../serve.ts";
import { parseBody } from "../validate.ts";

export function scanRoutes(deps: { blobs: BlobStore; scan: VirusScan | null; log: Logger }): Hono {
  const app = new Hono();
  serve(app, coreApi.scanUpload, async (c) => {
    const { sha256 } = parseBody(c, coreApi.scanUpload);
    if (!deps.scan) return answer(c, coreApi.scanUpload, { virusScan: "unscanned" });
    const bytes = await deps.blobs.get(attachmentKey(sha256));
    if (!bytes) {
      // R2 reads its writes, so this is a deployment whose tiers do not share a bucket: the upload is
      // not refused for it (as when the scanner fails), and the operator is told.
      deps.log.warn("virus scan: the uploaded file is not in this core's blob store; accepted unscanned", { sha256 });
      return answer(c, coreApi.scanUpload, { virusScan: "unscanned" });
    }
    const verdict = await deps.scan(bytes);
    if (verdict.status === "infected") {
      deps.log.info("virus found in an upload; refused", { userId: c.get("user").id, signature: verdict.signature });
      throw new ProblemError("unprocessable", `The file contains a virus (${verdict.signature}) and cannot be attached.`, {
        errors: [{ field: "(body)", message: `infected: ${verdict.signature}` }],
      });
    }
    if (verdict.status === "error") deps.log.warn("virus scan of an upload failed; accepted unscanned", { reason: verdict.reason });
    return answer(c, coreApi.scanUpload, { virusScan: verdict.status === "clean" ? "clean" : "unscanned" });
  });
  return app;
}
