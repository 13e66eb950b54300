// Limits both tiers enforce; the core is authoritative, the edge rejects early.
export const limits = {
  /** Default largest message accepted over SMTP (RFC 1870 SIZE), overridable by MAX_MESSAGE_BYTES. */
  maxMessageBytes: 25 * 1024 * 1024,
  /** Recipients per SMTP transaction (RFC 5321 §4.5.3.1.8 asks servers to accept at least 100). */
  maxRecipients: 100,
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
   * common the word (ranking every match of "the" in 100,000 messages would not). */
  searchRelevanceWindow: 5000,
} as const;
