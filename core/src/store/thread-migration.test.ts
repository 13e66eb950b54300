// Migration 0004 on a shard that has mail from before threading: every old message gets a thread
// (its own id) and its Message-ID and In-Reply-To become keys, so new replies join old mail.
import { describe, expect, it } from "vitest";
import { oldShard } from "../../../test/support/old-shard.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { testFiling } from "../../../test/support/filing.ts";
import { fileMessages } from "./filing.ts";
import { getMessage } from "./mailbox.ts";
import { Shards } from "./shards.ts";



describe("migration 0004_threads", () => {
  it("gives older messages a thread of their own and keys that new replies find", async () => {
    const { file, client: old } = await oldShard(2);
    const userId = uuidv7();
    const folderId = uuidv7();
    const [parent, reply, odd] = [uuidv7(Date.now() - 3000), uuidv7(Date.now() - 2000), uuidv7(Date.now() - 1000)];
    await old.batch([
      { sql: "INSERT INTO mailboxes (user_id, address, quota_bytes, created_at) VALUES (?, 'alice@example.test', 1000000, 0)", args: [userId] },
      { sql: "INSERT INTO folders (user_id, folder_id, name, role, created_at) VALUES (?, ?, 'Inbox', 'inbox', 0)", args: [userId, folderId] },
      ...[
        [parent, "<Old-Parent@Remote.test>", null],
        [reply, "<old-reply@remote.test>", "<old-parent@remote.test>"],
        [odd, "no brackets here", "<a@x> <b@y>"],
      ].map(([id, header, inReplyTo]) => ({
        sql: `INSERT INTO messages (user_id, message_id, folder_id, received_at, size, subject, message_id_header, in_reply_to, raw_key, raw_offset, raw_length)
              VALUES (?, ?, ?, ?, 10, 'old', ?, ?, 'raw/x', 0, 10)`,
        args: [userId, id!, folderId, Date.now(), header ?? null, inReplyTo ?? null],
      })),
    ]);
    old.close();

    const shards = await Shards.open([{ name: "s0", url: `file:${file}` }]);
    const shard = shards.get("s0");
    try {
      const { rows } = await shard.client.execute({ sql: "SELECT message_id, thread_id, subject_key FROM messages WHERE user_id = ? ORDER BY message_id", args: [userId] });
      expect(rows.map((r) => [r.message_id, r.thread_id, r.subject_key])).toEqual([parent, reply, odd].map((id) => [id, id, null]));
      const keys = await shard.client.execute({ sql: "SELECT key, thread_id FROM thread_keys WHERE user_id = ? ORDER BY key", args: [userId] });
      // A key that is both a message's id and an answered id belongs to the message that has it.
      expect(keys.rows.map((r) => [r.key, r.thread_id])).toEqual([
        ["old-parent@remote.test", parent],
        ["old-reply@remote.test", reply],
      ]);

      // The keys are the ones filing makes: a new reply to the old parent joins its thread.
      const fresh = testFiling(userId, "Re: old", { inReplyTo: "<OLD-parent@remote.test>", messageIdHeader: "<new@remote.test>" });
      expect((await fileMessages(shard, [fresh])).filed).toHaveLength(1);
      expect((await getMessage(shard, userId, fresh.messageId)).threadId).toBe(parent);
    } finally {
      shards.close();
    }
  });
});
