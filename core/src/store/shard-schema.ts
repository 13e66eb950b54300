// The metadata shard. Every table is partitioned by user_id (the first primary-key column, as a
// Cassandra partition key), so all of a user's rows live in one shard and every query names one user.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** One row per mailbox: its quota and usage, kept in step with every insert and delete. */
export const mailboxes = sqliteTable(
  "mailboxes",
  {
    userId: text("user_id").primaryKey(),
    address: text("address").notNull(),
    quotaBytes: integer("quota_bytes").notNull(),
    usedBytes: integer("used_bytes").notNull().default(0),
    messageCount: integer("message_count").notNull().default(0),
    /** The seq of the user's latest event: bumped in the transaction that records the events. */
    eventSeq: integer("event_seq").notNull().default(0),
    /** How many messages the user trained as spam and as ham: the totals of their spam_tokens. */
    bayesSpam: integer("bayes_spam").notNull().default(0),
    bayesHam: integer("bayes_ham").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    /** The mailbox's number in this shard (from 1, never reused): the high bits of its messages'
     * doc ids, so that one user's part of the search index is one range of it
     * (search-index/doc-ids.ts). */
    userNo: integer("user_no"),
    /** How far past its receive second a message's doc id had to go because the second was taken:
     * the slack a date search adds to its upper bound. Only grows. */
    searchSkew: integer("search_skew").notNull().default(0),
  },
  (t) => [uniqueIndex("mailboxes_by_user_no").on(t.userNo)],
);

/** Folders carry their own counters so listing folders never counts messages. */
export const folders = sqliteTable(
  "folders",
  {
    userId: text("user_id").notNull(),
    folderId: text("folder_id").notNull(),
    name: text("name").notNull(),
    role: text("role"),
    total: integer("total").notNull().default(0),
    unread: integer("unread").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.folderId] }),
    uniqueIndex("folders_by_role").on(t.userId, t.role).where(sql`role IS NOT NULL`),
    uniqueIndex("folders_by_name").on(t.userId, t.name),
  ],
);

export const messages = sqliteTable(
  "messages",
  {
    userId: text("user_id").notNull(),
    /** UUIDv7 carrying the receive time; derived from the spool entry, so refiling is idempotent. */
    messageId: text("message_id").notNull(),
    folderId: text("folder_id").notNull(),
    receivedAt: integer("received_at").notNull(),
    size: integer("size").notNull(),
    seen: integer("seen", { mode: "boolean" }).notNull().default(false),
    flagged: integer("flagged", { mode: "boolean" }).notNull().default(false),
    fromName: text("from_name"),
    fromAddress: text("from_address"),
    /** JSON arrays of {name, address}. */
    toJson: text("to_json").notNull().default("[]"),
    ccJson: text("cc_json").notNull().default("[]"),
    replyToJson: text("reply_to_json").notNull().default("[]"),
    subject: text("subject").notNull().default(""),
    snippet: text("snippet").notNull().default(""),
    sentAt: integer("sent_at"),
    messageIdHeader: text("message_id_header"),
    inReplyTo: text("in_reply_to"),
    /** The conversation (store/threading.ts): the id of one of its messages, the oldest when threads merged. */
    threadId: text("thread_id").notNull(),
    /** Hash of the normalized subject (store/thread-keys.ts), for threading replies that lack
     * In-Reply-To and References; null for an empty subject and for mail filed before threading. On
     * the message's own row (not a table of its own) so that deleting or moving mail needs no upkeep. */
    subjectKey: text("subject_key"),
    hasAttachments: integer("has_attachments", { mode: "boolean" }).notNull().default(false),
    /** The raw RFC 5322 bytes: a range of a packed object in the blob store. */
    rawKey: text("raw_key").notNull(),
    rawOffset: integer("raw_offset").notNull(),
    rawLength: integer("raw_length").notNull(),
    /** IMAP keywords (labels, $NotJunk …) as a JSON array; \Seen and \Flagged are the columns above. */
    keywordsJson: text("keywords_json").notNull().default("[]"),
    /** Sender authentication (AuthVerdict JSON); null for mail this service wrote itself. */
    authJson: text("auth_json"),
    /** The spam score and the checks that fired (comma-separated); null when not scored. */
    spamScore: real("spam_score"),
    spamTests: text("spam_tests"),
    /** "clean" or "unscanned" (no virus scanner configured, or it failed); infected mail is refused. */
    virusScan: text("virus_scan"),
    /** What the user taught the spam filter with this message ("spam" | "ham"), so a second move to
     * Junk does not count twice and a move back out undoes it. */
    trainedAs: text("trained_as"),
    /** The message's row in the search index (the FTS5 table search_index, not in this schema: drizzle
     * has no virtual tables): the mailbox's user_no · 2^33 + the second it was received, so that a
     * user's messages are one range of the index, newest last (search-index/doc-ids.ts). */
    docId: integer("doc_id"),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.messageId] }),
    // The clustering order of a folder listing: newest first, ties broken by id. A page is a range read.
    index("messages_by_folder").on(t.userId, t.folderId, sql`received_at DESC`, sql`message_id DESC`),
    // A thread's messages, per folder newest first: reading a thread, re-labelling it when threads
    // merge, its size, and "is there a newer message of this thread in this folder" when a folder is
    // listed one row per thread: each an index range.
    index("messages_by_thread").on(t.userId, t.threadId, t.folderId, sql`received_at DESC`, sql`message_id DESC`),
    index("messages_by_subject").on(t.userId, t.subjectKey, t.receivedAt).where(sql`subject_key IS NOT NULL`),
    // From a search hit to its message, and a user's messages newest first whatever their folder.
    uniqueIndex("messages_by_doc").on(t.docId),
    // Which rows of the shard still point into a pack: what the blob sweep (blob-gc/) keeps of it.
    index("messages_by_raw_key").on(t.rawKey),
  ],
);

/** Message-ID → thread, per user: the ids of the user's messages and every id they reference (In-Reply-To,
 * References), so a message finds its thread by a few key reads whichever of parent, child or sibling
 * arrived first. A key outlives the messages that brought it: a late reply to a deleted message still
 * joins the thread of what is left of it. */
export const threadKeys = sqliteTable(
  "thread_keys",
  {
    userId: text("user_id").notNull(),
    /** The Message-ID without `<>`, ASCII lowercased (thread-keys.ts). */
    key: text("key").notNull(),
    threadId: text("thread_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index("thread_keys_by_thread").on(t.userId, t.threadId)],
);

/** Bodies apart from the listing columns, so folder pages read narrow rows. */
export const messageBodies = sqliteTable(
  "message_bodies",
  {
    userId: text("user_id").notNull(),
    messageId: text("message_id").notNull(),
    text: text("text"),
    html: text("html"),
    /** The start of an HTML-only body's visible text (null when there is a text body, and for mail
     * filed before it was kept): a search's snippets read it instead of parsing the HTML per query. */
    htmlText: text("html_text"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.messageId] })],
);

export const attachments = sqliteTable(
  "attachments",
  {
    userId: text("user_id").notNull(),
    messageId: text("message_id").notNull(),
    /** Position in the message, "1", "2", … — stable for the life of the message. */
    attachmentId: text("attachment_id").notNull(),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    disposition: text("disposition").notNull(),
    contentId: text("content_id"),
    size: integer("size").notNull(),
    /** Content address in the blob store (`att/sha256/<hex>`), shared by every copy of the same bytes. */
    blobKey: text("blob_key").notNull(),
    /** Why opening it is dangerous (executable, macro-document, double-extension …), or null. */
    risk: text("risk"),
    riskDetail: text("risk_detail"),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.messageId, t.attachmentId] }),
    // Whether anyone of the shard still has a file: an attachment's blob goes when no row names it.
    index("attachments_by_blob").on(t.blobKey),
  ],
);


/** Idempotency-Key → the message it created, so the same key never sends twice. Kept for a day. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    userId: text("user_id").notNull(),
    key: text("key").notNull(),
    messageId: text("message_id").notNull(),
    /** SHA-256 of the request body: the same key with another request is refused, not ignored. */
    requestHash: text("request_hash").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

/** Recipients sent to per user per UTC day: the daily sending quota that protects IP reputation. */
export const sendCounters = sqliteTable(
  "send_counters",
  {
    userId: text("user_id").notNull(),
    day: text("day").notNull(),
    recipients: integer("recipients").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.day] })],
);

/** The mailbox's change log: what the edge is told, kept for EVENT_RETENTION so that a reader that
 * missed a notification can catch up by seq. Written in the transaction of the change it records. */
export const events = sqliteTable(
  "events",
  {
    userId: text("user_id").notNull(),
    /** Per user, from 1, without gaps (allocated from mailboxes.event_seq). */
    seq: integer("seq").notNull(),
    at: integer("at").notNull(),
    type: text("type").notNull(),
    /** The event's data as JSON (shared/events.ts EventData). */
    data: text("data").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.seq] }),
    // Pruning by age and the re-push of recent events after a restart read by time.
    index("events_by_time").on(t.at),
  ],
);

/** The user's own spam-filter training on top of the global model: token → messages counted. */
export const spamTokens = sqliteTable(
  "spam_tokens",
  {
    userId: text("user_id").notNull(),
    /** A token's hash (the classifier hashes words, header pieces and URL parts to 32 bits). */
    token: integer("token").notNull(),
    spam: integer("spam").notNull().default(0),
    ham: integer("ham").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.token] })],
);

/** The user's filters: one active Sieve script (RFC 5228), and the JSON rules it was compiled from
 * when it was made through the rule API (null when the user uploaded Sieve). */
export const filters = sqliteTable("filters", {
  userId: text("user_id").primaryKey(),
  script: text("script").notNull(),
  rulesJson: text("rules_json"),
  updatedAt: integer("updated_at").notNull(),
});

/** Vacation auto-replies sent: at most one per sender and handle per period (RFC 5230 §4.2). */
export const vacationReplies = sqliteTable(
  "vacation_replies",
  {
    userId: text("user_id").notNull(),
    sender: text("sender").notNull(),
    handle: text("handle").notNull(),
    sentAt: integer("sent_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.sender, t.handle] })],
);

/** The people the user has mailed: every recipient (to, cc, bcc) of a message filed into the user's
 * Sent folder, counted in the filing's transaction (contacts.ts). What address suggestions rank. */
export const contacts = sqliteTable(
  "contacts",
  {
    userId: text("user_id").notNull(),
    /** Normalized (shared/address.ts): lowercase, NFC. */
    address: text("address").notNull(),
    /** The display name last written with the address ("" when none ever was). */
    name: text("name").notNull().default(""),
    /** The name lowercased, accents removed, punctuation as spaces: what a prefix is matched against. */
    nameKey: text("name_key").notNull().default(""),
    timesMailed: integer("times_mailed").notNull().default(0),
    lastMailedAt: integer("last_mailed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.address] })],
);

/** Blobs that rows removed for good pointed at (packs of raw messages, attachments), for the hourly
 * blob sweep (blob-gc/garbage.ts), which decides then, across the region's shards, whether anything
 * still reads them. The shard's own bookkeeping, not a user's rows: it is not in shardSchema, so it
 * does not move with a mailbox. */
export const blobGarbage = sqliteTable("blob_garbage", {
  key: text("key").primaryKey(),
  notedAt: integer("noted_at").notNull(),
});

export const shardSchema = { mailboxes, folders, messages, threadKeys, messageBodies, attachments, idempotencyKeys, sendCounters, events, spamTokens, filters, vacationReplies, contacts };
