// Drafts: a compose request saved (and saved again) under a client-chosen id in the drafts folder,
// as a real message, so every client lists and reads it like any other. Sending it removes it.
// Saving again is a removal and a filing: the events say message.deleted, then message.created.
import type { DraftRequest } from "../../../shared/api.ts";
import type { ResolvedAttachment } from "../../../shared/internal-api.ts";
import type { CoreEvent } from "../../../shared/events.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { composeMessage } from "../mail-format/compose.ts";
import { parseMail } from "../mail-format/parse.ts";
import { filingOf } from "./filing-of.ts";
import { attachmentKey } from "../store/blobs.ts";
import { attachmentTexts, withAttachmentTexts } from "../search/attachment-text.ts";
import type { BlobStore } from "../store/blobs.ts";
import type { DirectoryUser } from "../store/directory.ts";
import { currentSeq, type Change } from "../store/events.ts";
import { fileMessages } from "../store/filing.ts";
import { discardDraft, findFolder, replyTarget } from "../store/mailbox.ts";
import { messageExists } from "../store/sending.ts";
import type { ShardDatabase } from "../store/shards.ts";

export async function saveDraft(
  deps: { shard: ShardDatabase; blobs: BlobStore },
  user: DirectoryUser,
  sender: string,
  draftId: string,
  draft: DraftRequest,
  attachments: ResolvedAttachment[],
): Promise<Change<{ id: string }>> {
  const drafts = await findFolder(deps.shard.db, user.id, "drafts");
  if (!drafts) throw new ProblemError("internal", "This mailbox has no drafts folder.");
  // Whatever can refuse the request runs before the old version is removed: a refusal after it would
  // leave committed events that no answer hands to the notifier.
  const content = await Promise.all(
    attachments.map(async (a) => {
      const bytes = await deps.blobs.get(attachmentKey(a.sha256));
      if (!bytes) throw new ProblemError("validation", `Attachment ${a.filename} is not in storage; upload it again.`, { errors: [{ field: "attachments", message: "not found" }] });
      return { filename: a.filename, contentType: a.contentType, content: Buffer.from(bytes) };
    }),
  );
  const now = Date.now();
  // A reply's draft carries In-Reply-To and References as the sent reply will, so it sits in the
  // thread it answers.
  const replyTo = draft.inReplyTo ? await replyTarget(deps.shard, user.id, draft.inReplyTo) : null;
  const raw = await composeMessage({ messageId: draftId, createdAt: now, from: { name: draft.from?.name, address: sender }, message: draft, attachments: content, replyTo });
  const key = `raw/drafts/${user.id}/${draftId}/${now}.eml`;
  await deps.blobs.put(key, raw, "message/rfc822");
  const mail = await parseMail(raw);
  const { shard: _, rawIndex: __, ...filing } = filingOf(mail, { userId: user.id, shard: deps.shard.name, messageId: draftId, folderRole: "drafts", seen: true, receivedAt: now, size: raw.length, rawIndex: 0 });
  const replaced = await discardDraft(deps.shard, user.id, draftId);
  // Still there after the discard: it is not a draft (and nothing was recorded).
  if (!replaced && (await messageExists(deps.shard, user.id, draftId))) {
    throw new ProblemError("conflict", `Message ${draftId} exists and is not a draft; choose a new id for the draft.`);
  }
  const events: CoreEvent[] = replaced?.events ?? [];
  const texts = await attachmentTexts(mail.attachments);
  const filed = await fileMessages(deps.shard, [withAttachmentTexts({ ...filing, raw: { key, offset: 0, length: raw.length } }, texts)]);
  events.push(...filed.events);
  return { value: { id: draftId }, events, seq: events.at(-1)?.seq ?? (await currentSeq(deps.shard.db, user.id)) };
}
