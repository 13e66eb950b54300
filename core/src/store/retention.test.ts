// The hourly sweep on real libSQL files: mailbox events older than EVENT_RETENTION go, newer stay;
// finished deliveries go after a week, forwards (an SRS sender) after 22 days.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import { createLogger, setLogLevel } from "../log.ts";
import { readEvents } from "./events.ts";
import { fileMessages } from "./filing.ts";
import { createMailbox } from "./mailbox.ts";
import { OutboundQueue } from "./outbound-queue.ts";
import { KEEP_FINISHED_MS, KEEP_FORWARDS_MS, Retention } from "./retention.ts";
import { Shards } from "./shards.ts";
import { testDatabases } from "../../../test/support/shard-backend.ts";

setLogLevel("silent");
const databases = testDatabases("retention-");
let shards: Shards;
let queue: OutboundQueue;
const alice = uuidv7();
const HOUR = 3_600_000;

beforeAll(async () => {
  shards = await Shards.open([await databases.open("s0"), await databases.open("s1")]);
  queue = await OutboundQueue.open((await databases.open("queue")).url);
  await createMailbox(shards.get("s1"), { userId: alice, address: "alice@example.test", quotaBytes: 10 ** 9 });
});
afterAll(async () => {
  queue.close();
  shards.close();
  await databases.close();
});

describe("retention", () => {
  it("prunes events older than the retention from every shard, and only those", async () => {
    const receivedAt = Date.now();
    await fileMessages(shards.get("s1"), [
      {
        userId: alice,
        messageId: uuidv7(receivedAt),
        folderRole: "inbox",
        receivedAt,
        size: 10,
        seen: false,
        from: null,
        to: [],
        cc: [],
        replyTo: [],
        subject: "kept for a while",
        snippet: "",
        sentAt: null,
        messageIdHeader: null,
        inReplyTo: null,
        references: [],
        text: null,
        html: null,
        raw: { key: "raw/x", offset: 0, length: 10 },
        attachments: [],
      },
    ]);
    const retention = new Retention({ queue, shards, eventRetentionMs: 48 * HOUR, log: createLogger() });
    expect(await retention.sweep(Date.now() + 47 * HOUR)).toEqual({ deliveries: 0, events: 0 });
    expect((await readEvents(shards.get("s1"), alice, 0, 10))!.events).toHaveLength(2);
    expect(await retention.sweep(Date.now() + 49 * HOUR)).toEqual({ deliveries: 0, events: 2 });
    expect(await readEvents(shards.get("s1"), alice, 0, 10)).toEqual({ events: [], seq: 2, gap: true });
  });

  it("keeps forwards for as long as their SRS address lives, where the MX looks them up", async () => {
    const sentAt = Date.now();
    const row = (id: string, sender: string) => ({
      id,
      messageId: id,
      userId: alice,
      sender,
      recipient: "someone@remote.test",
      domain: "remote.test",
      nextAttemptAt: sentAt,
      rawKey: "raw/x",
      rawOffset: 0,
      rawLength: 10,
      createdAt: sentAt,
      expiresAt: sentAt + 5 * 24 * HOUR,
    });
    const forward = "SRS0=HHHH=2W=Remote.Test=Carol@example.test";
    await queue.enqueue([row(uuidv7(), "alice@example.test"), row(uuidv7(), forward)]);
    for (const r of await queue.list()) await queue.record(r.id, { state: "delivered", reply: "250 ok", host: "mx.remote.test", attempted: true }, sentAt);
    expect(await queue.sentWithSender(forward.toLowerCase(), sentAt - 1)).toBe(true);
    expect(await queue.sentWithSender(forward.replace("Carol", "Carl"), sentAt - 1)).toBe(false);
    expect(await queue.sentWithSender(forward, sentAt + 1)).toBe(false);

    const retention = new Retention({ queue, shards, eventRetentionMs: 48 * HOUR, log: createLogger() });
    expect((await retention.sweep(sentAt + KEEP_FINISHED_MS + HOUR)).deliveries).toBe(1);
    expect((await queue.list()).map((r) => r.sender)).toEqual([forward]);
    expect((await retention.sweep(sentAt + KEEP_FORWARDS_MS - HOUR)).deliveries).toBe(0);
    expect((await retention.sweep(sentAt + KEEP_FORWARDS_MS + HOUR)).deliveries).toBe(1);
    expect(await queue.list()).toEqual([]);
  });
});
