// The mailbox service: every change a user or the system makes to a mailbox, whichever door it came
// through (the internal HTTP API today, the pipeline filing delivered mail, the delivery agent's DSNs;
// an IMAP or JMAP door would call the same functions). Each operation validates its input, commits
// with its events in one transaction (the store's), then publishes those events: callers never hand
// events on themselves. One instance per thread, each with that thread's connections and publisher.
import { MessagePatch, MessagesDelete, MessagesPatch, type DeleteResult, type DraftRequest, type MessagesDeleted, type MessagesPatched, type MessageSummary } from "../../../shared/api.ts";
import type { ResolvedAttachment } from "../../../shared/internal-api.ts";
import type { CoreEvent } from "../../../shared/events.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { validated } from "../../../shared/validation.ts";
import type { Logger } from "../log.ts";
import { parseMail } from "../mail-format/parse.ts";
import type { BlobStore } from "../store/blobs.ts";
import type { Directory, DirectoryUser } from "../store/directory.ts";
import type { Change, EventDraft } from "../store/events.ts";
import { fileMessages, type Filing, type FilingResult } from "../store/filing.ts";
import { saveFilters, type StoredFilters } from "../store/filters.ts";
import { deleteMessage, deleteMessages, discardDraft, getMessageFolder, updateMessage, updateMessages } from "../store/mailbox.ts";
import type { ShardDatabase, Shards } from "../store/shards.ts";
import type { FilterSettings } from "../../../shared/filters.ts";
import { saveDraft } from "./drafts.ts";
import { filingOf, type FilingTarget } from "./filing-of.ts";
import { folderRole, trainMessage, verdictOfMove, type SpamTokens } from "./spam-training.ts";

/** Hands committed events on, to the event notifier (which pushes them to the edge). */
export type PublishEvents = (events: CoreEvent[]) => void;

export interface MailboxDeps {
  shards: Shards;
  directory: Directory;
  blobs: BlobStore;
  log: Logger;
  publish: PublishEvents;
  spamTokens: SpamTokens;
}

/** Whose mailbox: a user as the directory knows them (their shard by name). */
export type MailboxOwner = Pick<DirectoryUser, "id" | "shard">;

export class MailboxService {
  readonly #deps: MailboxDeps;

  constructor(deps: MailboxDeps) {
    this.#deps = deps;
  }

  #shard(owner: MailboxOwner): ShardDatabase {
    return this.#deps.shards.get(owner.shard);
  }

  #published<T extends { events: CoreEvent[] }>(change: T): T {
    if (change.events.length > 0) this.#deps.publish(change.events);
    return change;
  }

  // ── filing ───────────────────────────────────────────────────────────────

  /** Files delivered mail (the pipeline's batch for one shard), idempotently; a message filed before
   * takes the raw location of this filing (whose bytes are being stored, mail-pipeline.ts). */
  async file(shard: string, filings: Filing[]): Promise<FilingResult> {
    return this.#published(await fileMessages(await this.#deps.shards.need(shard), filings, { relocate: true }));
  }

  /** Files one message this service wrote itself (a DSN, a notice) into its owner's mailbox: its bytes
   * stored under `key`, parsed, filed. Filing it again under the same id finds it already there. */
  async fileOwnMessage(owner: MailboxOwner, raw: Buffer, key: string, target: Omit<FilingTarget, "userId" | "size">): Promise<FilingResult> {
    await this.#deps.blobs.put(key, raw, "message/rfc822");
    const filing = filingOf(await parseMail(raw), { ...target, userId: owner.id, size: raw.length });
    return this.file(owner.shard, [{ ...filing, raw: { key, offset: 0, length: raw.length } }]);
  }

  // ── changes a user makes ─────────────────────────────────────────────────

  /** Flags, keywords and moves. A move into or out of Junk teaches the spam filter, after the move
   * itself committed; should learning fail, the move stands and the failure is logged. */
  async updateMessage(owner: MailboxOwner, messageId: string, patch: MessagePatch): Promise<Change<MessageSummary>> {
    const valid = validated(MessagePatch, patch, "body");
    const shard = this.#shard(owner);
    const before = valid.folderId !== undefined ? await getMessageFolder(shard, owner.id, messageId) : null;
    const change = this.#published(await updateMessage(shard, owner.id, messageId, valid));
    if (before !== null && change.value.folderId !== before) {
      const verdict = verdictOfMove(await folderRole(shard, owner.id, before), await folderRole(shard, owner.id, change.value.folderId));
      if (verdict) await this.#learn(owner, messageId, verdict);
    }
    return change;
  }

  /** One patch to many messages ("select all, then archive"), in one transaction. Moves into or out
   * of Junk teach the spam filter as a single move does, message by message, after the commit. */
  async updateMessages(owner: MailboxOwner, messageIds: readonly string[], patch: MessagePatch): Promise<Change<MessagesPatched>> {
    const valid = validated(MessagesPatch, { ids: messageIds, patch }, "body");
    const shard = this.#shard(owner);
    const change = this.#published(await updateMessages(shard, owner.id, valid.ids, valid.patch, "patch."));
    if (valid.patch.folderId === undefined) return change;
    const roles = new Map<string, string | null>();
    const role = async (folderId: string) => {
      if (!roles.has(folderId)) roles.set(folderId, await folderRole(shard, owner.id, folderId));
      return roles.get(folderId)!;
    };
    for (const event of change.events) {
      if (event.type !== "message.updated" || event.data.previousFolderId === undefined) continue;
      const verdict = verdictOfMove(await role(event.data.previousFolderId), await role(event.data.folderId));
      if (verdict) await this.#learn(owner, event.data.id, verdict);
    }
    return change;
  }

  /** Outside Trash: to Trash. In Trash: for good, and the quota is given back. */
  async deleteMessage(owner: MailboxOwner, messageId: string): Promise<Change<DeleteResult>> {
    return this.#published(await deleteMessage(this.#shard(owner), owner.id, messageId));
  }

  /** Many at once: each outside Trash to Trash, each in Trash for good (the ids checked as a bulk patch's). */
  async deleteMessages(owner: MailboxOwner, messageIds: readonly string[]): Promise<Change<MessagesDeleted>> {
    const valid = validated(MessagesDelete, { ids: messageIds }, "body");
    return this.#published(await deleteMessages(this.#shard(owner), owner.id, valid.ids));
  }

  /** Gmail's "Report spam": the move to Junk and the lesson in one call. Unlike a move, the lesson is
   * given even when the message is already in Junk (the filter put it there and the user agrees);
   * each message still counts once. */
  async reportSpam(owner: MailboxOwner, messageId: string): Promise<Change<MessageSummary>> {
    const change = this.#published(await updateMessage(this.#shard(owner), owner.id, messageId, { folderId: "junk" }));
    await this.#learn(owner, messageId, "spam");
    return change;
  }

  /** "Not spam": out of Junk to the inbox (a message elsewhere stays where it is), learnt as ham. */
  async reportNotSpam(owner: MailboxOwner, messageId: string): Promise<Change<MessageSummary>> {
    const shard = this.#shard(owner);
    const folderId = await getMessageFolder(shard, owner.id, messageId);
    if (folderId === null) throw new ProblemError("notFound", `No message ${messageId}.`);
    const inJunk = (await folderRole(shard, owner.id, folderId)) === "junk";
    const change = this.#published(await updateMessage(shard, owner.id, messageId, inJunk ? { folderId: "inbox" } : {}));
    await this.#learn(owner, messageId, "ham");
    return change;
  }

  async #learn(owner: MailboxOwner, messageId: string, verdict: "spam" | "ham"): Promise<void> {
    const { log } = this.#deps;
    await trainMessage(this.#deps, this.#shard(owner), owner.id, messageId, verdict).catch((err: unknown) => log.error("spam training failed", { err, userId: owner.id, id: messageId }));
  }

  /** Saves a draft (again) under the client's id; `sender` is an address the user may send from. */
  async saveDraft(user: DirectoryUser, sender: string, draftId: string, draft: DraftRequest, attachments: ResolvedAttachment[]): Promise<Change<{ id: string }>> {
    return this.#published(await saveDraft({ shard: this.#shard(user), blobs: this.#deps.blobs }, user, sender, draftId, draft, attachments));
  }

  /** Removes the draft a message was sent from, once its Sent copy is filed; nothing if it is gone
   * or no longer a draft. */
  async discardSentDraft(owner: MailboxOwner, draftId: string): Promise<void> {
    const recorded = await discardDraft(this.#shard(owner), owner.id, draftId);
    if (recorded) this.#published(recorded);
  }

  /** Saves the user's filters (compiled Sieve, and the rules it came from); `judge` sees the filters
   * replaced, inside the transaction, and returns the save's events or refuses it (filter-forwarding.ts). */
  async saveFilters(owner: MailboxOwner, script: string, settings: FilterSettings | null, judge: (previous: StoredFilters | null) => EventDraft[]): Promise<Change<StoredFilters>> {
    return this.#published(await saveFilters(this.#shard(owner), owner.id, script, settings, judge));
  }
}
