// The hourly sweep on real libSQL files: mailbox events older than EVENT_RETENTION go, newer stay.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import { createLogger, setLogLevel } from "../log.ts";
import { readEvents } from "./events.ts";
import { fileMessages } from "./filing.ts";
import { createMailbox } from "./mailbox.ts";
import { OutboundQueue } from "./outbound-queue.ts";
import { Retention } from "./retention.ts";
import { Shards } from "./shards.ts";

setLogLevel("silent");
let shards: Shards;
let queue: OutboundQueue;
const alice = uuidv7();
const HOUR = 3_600_000;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "retention-"));
  shards = await Shards.open([{ name: "s0", url: `file:${path.join(dir, "s0.db")}` }, { name: "s1", url: `file:${path.join(dir, "s1.db")}` }]);
  queue = await OutboundQueue.open(`file:${path.join(dir, "queue.db")}`);
  await createMailbox(shards.get("s1"), { userId: alice, address: "alice@example.test", quotaBytes: 10 ** 9 });
});
afterAll(() => {
  queue.close();
  shards.close();
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
});
