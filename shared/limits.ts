// Limits both tiers enforce; the core is authoritative, the edge rejects early.
export const limits = {
  /** Default largest message accepted over SMTP (RFC 1870 SIZE), overridable by MAX_MESSAGE_BYTES. */
  maxMessageBytes: 25 * 1024 * 1024,
  /** Recipients per SMTP transaction (RFC 5321 §4.5.3.1.8 asks servers to accept at least 100). */
  maxRecipients: 100,
  /** MIME parts of a message over SMTP, every entity counted (the message, each multipart, each part,
   * each attached message): four times Exchange Online's 250, a tenth of Dovecot's max_total_mime_parts.
   * The parser takes ~60 ms for 1,000 parts; 100,000 took it 3.5 s. */
  maxMimeParts: 1000,
  /** Nesting of multiparts and attached messages: half of Postfix's mime_nesting_limit (100); a chain
   * of ten forwarded-as-attachment messages, each mixed/alternative/related, needs ~40. */
  maxMimeDepth: 50,
  /** Attachments of a message over SMTP (each one an R2 write and a row): Exchange Online's limit. */
  maxAttachments: 250,
  /** Page size of folder listings. */
  defaultPageSize: 50,
  maxPageSize: 200,
  /** Messages in the answer of GET /api/v1/threads/{id}: a longer thread shows its newest ones. */
  maxThreadMessages: 500,
  /** Longest address accepted (RFC 5321: 64 local + @ + 255 domain). */
  maxAddressLength: 320,
  /** Shortest password a user may set (the CLI's `user add`/`user password`, POST /account/password). */
  minPasswordLength: 8,
  maxPasswordLength: 1024,
  snippetLength: 200,
  /** Longest search query (GET /api/v1/search?q=). */
  maxSearchQueryLength: 1000,
  /** Search by relevance ranks this many of the newest matches: a page costs the same however
   * common the word (ranking every match of "the" in 100,000 messages would not). FTS5's bm25 costs
   * about 1.3 ms a query (each word's count over the shard) and 0.7 µs a ranked match: 1,000 (it was
   * 5,000) keeps a page by relevance within about 3 ms of one by date; a word with fewer matches is
   * ranked as before. */
  searchRelevanceWindow: 1000,
  /** Longest hold of a send (POST /api/v1/messages `holdSeconds`): long enough for "undo", short
   * enough that a held message is not mistaken for scheduled sending. */
  maxHoldSeconds: 60,
  /** Senders whose remote content a user trusts (settings `remoteContent.trustedSenders`). */
  maxTrustedSenders: 1000,
  /** An IMAP keyword's length (Dovecot refuses longer ones too) and how many one message carries:
   * labels, not a place to store data. */
  maxKeywordLength: 100,
  maxKeywordsPerMessage: 50,
  /** Messages one bulk change names (Gmail's batchModify takes 1,000 ids): "select all" in a list
   * then archive goes in a few calls, and one transaction stays short. */
  maxBulkMessages: 1000,
} as const;
