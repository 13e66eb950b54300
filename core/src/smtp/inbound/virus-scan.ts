// Virus scanning at the end of DATA, before the message is spooled: infected mail is refused in the
// SMTP dialogue (554 5.7.1), so the sending server, not our user, learns of it. clamd decodes the
// MIME structure itself, so the raw message is what it gets.
import type { Logger } from "../../log.ts";
import type { ClamdVerdict } from "../../virus/clamd.ts";
import type { SmtpReply } from "../reply.ts";

export type VirusScan = (bytes: Uint8Array) => Promise<ClamdVerdict>;

export function infectedReply(signature: string): SmtpReply {
  return { code: 554, status: "5.7.1", text: `message refused: it contains a virus (${signature.replace(/[^\x21-\x7e]/g, "?").slice(0, 120)})` };
}

/** A scanner that cannot answer does not stop mail: the message goes on marked "unscanned", as it
 * would with no scanner at all, and the operator sees the failure in the log. */
export async function scanAtData(scan: VirusScan | null, bytes: Uint8Array, log: Logger, session: string): Promise<{ status: "clean" | "unscanned" } | { refuse: SmtpReply }> {
  if (!scan) return { status: "unscanned" };
  const verdict = await scan(bytes);
  if (verdict.status === "infected") {
    log.info("virus found; message refused", { session, signature: verdict.signature });
    return { refuse: infectedReply(verdict.signature) };
  }
  if (verdict.status === "error") {
    log.warn("virus scan failed; message accepted unscanned", { session, reason: verdict.reason });
    return { status: "unscanned" };
  }
  return { status: "clean" };
}
