// What globalSetup puts into the core before the edge tests run; the tests rely on these facts.
export const seed = {
  alice: { address: "alice@example.test", password: "alice's correct horse" },
  bob: { address: "bob@example.test", password: "bob's battery staple" },
  /** Gets made-up events in the hub tests only (no real mail, so no real seqs to clash with). */
  frank: { address: "frank@example.test", password: "frank's made-up events" },
  /** Registers webhooks and gets made-up events in the webhook tests only. */
  henry: { address: "henry@example.test", password: "henry's webhook endpoint" },
  /** Signs in and out (everywhere) in the credential tests only. */
  grace: { address: "grace@example.test", password: "grace's revocable sessions" },
  /** Sends in the quota test only. */
  dora: { address: "dora@example.test", password: "dora's daily limit" },
  /** Spends her per-user request budget in the rate-limit test only. */
  erin: { address: "erin@example.test", password: "erin's rate limit" },
  /** Cancels held sends in the undo-send quota test only: the daily quota is per user. */
  quinn: { address: "quinn@example.test", password: "quinn's second chances" },
  /** Spends her request budget from two sessions in the rate-limit tests only. */
  rita: { address: "rita@example.test", password: "rita's two sessions" },
  /** Gets threaded mail in the thread tests only, so their listings hold nothing else. */
  ivy: { address: "ivy@example.test", password: "ivy's tangled threads" },
  /** Gets spam and reports it in the protection tests only. */
  judy: { address: "judy@example.test", password: "judy's junk folder" },
  /** Searched in the search tests only: her mail is `searchMessages` (seeded-core.ts). */
  kim: { address: "kim@example.test", password: "kim's needle in the haystack" },
  /** Has her password guessed in the login-limit tests only: the core blocks an account after 20
   * wrong passwords, which must not fall on a user other tests sign in as. */
  lou: { address: "lou@example.test", password: "lou's guessed-at password" },
  /** Owns the resources of the authorization matrix (every route × every kind of caller). */
  olga: { address: "olga@example.test", password: "olga's guarded mailbox" },
  /** The other user of the authorization matrix: names olga's resources and must get 404. */
  mallory: { address: "mallory@example.test", password: "mallory's prying eyes" },
  /** Forwards her mail in the forwarding tests only; `alias` is hers too. */
  lena: { address: "lena@example.test", password: "lena's forwarding rules", alias: "lena.work@example.test" },
  /** Changes his password, and is revoked and erased, in the password tests only. */
  max: { address: "max@example.test", password: "max's first password" },
  /** Sends held messages (undo send) to `vic`, and cancels them, in the outbox tests only. */
  uma: { address: "uma@example.test", password: "uma's second thoughts" },
  /** Receives uma's held sends in the outbox tests only, so his inbox holds nothing else. */
  vic: { address: "vic@example.test", password: "vic's quiet inbox" },
  /** Changes her settings in the settings tests only. */
  sam: { address: "sam@example.test", password: "sam's own preferences" },
  /** Sends to carol and dan in the contacts tests only, so her contacts are theirs alone. */
  nora: { address: "nora@example.test", password: "nora's address book" },
  /** Sends in the contacts tests only: none of his contacts may show in nora's. */
  oscar: { address: "oscar@example.test", password: "oscar's own address book" },
  /** Receive nora's mail in the contacts tests. */
  carol: { address: "carol@example.test", password: "carol's inbox here" },
  dan: { address: "dan@example.test", password: "dan's inbox here" },
  /** Her hub moves to another region in the hub-move tests only. */
  moira: { address: "moira@example.test", password: "moira's hub on the move" },
  /** The seeded core's SEND_DAILY_LIMIT (recipients per day). */
  sendDailyLimit: 40,
  /** The edge's MAX_MESSAGE_BYTES in these tests. */
  maxMessageBytes: 1024 * 1024,
  /** Plain messages to alice, subjects "seed 0" … */
  plainMessages: 25,
  attachmentSubject: "with attachments",
  /** The bytes of the first attachment ("data.bin"). */
  attachmentBytes(): Uint8Array {
    return Uint8Array.from({ length: 3000 }, (_, i) => (i * 7 + 3) % 256);
  },
  secondAttachment: { filename: "notes – ünïcode.txt", text: "hello from the second attachment\n" },
  /** Kim's mail, oldest first. */
  searchMessages: [
    { subject: "주간 회의", text: "이번 주 프로젝트일정을 공유합니다." },
    { subject: "Café meetup", text: "Meet at the café <after> work & bring notes." },
    ...[1, 2, 3].map((n) => ({ subject: `Standup ${n}`, text: `standup notes, day ${n}` })),
  ],
} as const;

declare module "vitest" {
  interface ProvidedContext {
    coreUrl: string;
    signingSecret: string;
    /** The relay between the seeded core and the worker (core-relay.ts). */
    relayUrl: string;
    /** Whether the seeded core scans with a real clamd. */
    clamd: boolean;
  }
}
