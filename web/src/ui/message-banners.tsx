// Warnings above a message, from what the server concluded about it: a sender that failed DMARC, spam
// (with a way out), attachments that could harm the computer, and, quietly, attachments no virus scanner looked at.
import { useSignal } from "@preact/signals";
import type { Attachment, Message } from "../../../shared/api.ts";
import { api, describeError } from "../api/client.ts";
import { findFolder } from "../state/folders.ts";
import { toast, toastError } from "../state/toasts.ts";

/** SpamAssassin's usual threshold: the score at which the filter calls a message spam. */
const SPAM_SCORE = 5;

const riskWhy: Record<NonNullable<Attachment["risk"]>["reason"], string> = {
  executable: "it is a program",
  "macro-document": "it is a document that can contain macros",
  "double-extension": "its name hides its real type behind a second extension",
  "misleading-name": "its name is made to look like another type of file",
  "archive-with-executable": "it is an archive containing a program",
};

/** The server's detail as a sentence of the banner. */
export const sentence = (s: string) => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);

export function MessageBanners({ message: m }: { message: Message }) {
  const notSpam = useSignal(false);
  const auth = m.authentication;
  const spoofed = auth !== null && !auth.senderVerified && auth.dmarc === "fail";
  const junk = !notSpam.value && !m.keywords.includes("$NotJunk") && (findFolder(m.folderId)?.role === "junk" || (m.spam?.score ?? 0) >= SPAM_SCORE);
  const risky = m.attachments.filter((a) => a.risk);
  const claimed = m.from?.address ?? auth?.fromDomain ?? "this sender";

  async function markNotSpam() {
    try {
      await api(`/messages/${m.id}/not-spam`, { method: "POST" });
      notSpam.value = true;
      toast("Marked as not spam and moved to the inbox. The filter learns from it.");
    } catch (e) {
      toastError(`Marking as not spam failed: ${describeError(e)}`);
    }
  }

  return (
    <>
      {spoofed && (
        <p class="banner banner-danger" role="note">
          This message claims to be from <strong>{claimed}</strong> but could not be verified: the sender's domain did not confirm it sent it. Be careful with its links and
          attachments, and do not reply with personal information.
        </p>
      )}
      {junk && (
        <div class="banner banner-warn" role="note">
          <span>This message was marked as spam{m.spam ? ` (score ${m.spam.score.toFixed(1)})` : ""}. Be careful with its links and attachments.</span>
          <button type="button" onClick={() => void markNotSpam()}>
            Not spam
          </button>
        </div>
      )}
      {risky.map((a) => (
        <p key={a.id} class="banner banner-danger" role="note">
          <strong>{a.filename}</strong> could harm your computer: {riskWhy[a.risk!.reason]}. {sentence(a.risk!.detail)} Open it only if you expected it from this sender.
        </p>
      ))}
      {m.virusScan === "unscanned" && m.attachments.length > 0 && <p class="banner-quiet">The attachments of this message were not scanned for viruses.</p>}
    </>
  );
}
