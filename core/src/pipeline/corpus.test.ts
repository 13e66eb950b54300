// Real-world mail: a sample of the SpamAssassin public corpus goes in over SMTP and is filed, parsed,
// with nothing refused or lost.
import PostalMime from "postal-mime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpusSample } from "../../../test/support/corpus.ts";
import { sendMail } from "../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";

let core: TempCore;
let user: { id: string; shard: string };

beforeAll(async () => {
  core = await startTempCore();
  user = await core.addUser("corpus@example.test");
});
afterAll(() => core?.destroy());

describe("SpamAssassin corpus sample", () => {
  it("accepts, parses and files every message", { timeout: 120_000 }, async () => {
    const sample = corpusSample(20); // ~300 messages from all five parts
    expect(sample.length).toBeGreaterThan(290);
    const queue = [...sample];
    const replies: string[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let m = queue.shift(); m; m = queue.shift()) {
          replies.push(await sendMail(core.smtpPort, "sender@remote.test", ["corpus@example.test"], m.raw));
        }
      }),
    );
    expect(replies.filter((r) => !r.startsWith("250"))).toEqual([]);
    await core.pipeline.idle();

    const rows = (
      await core.shards.get(user.shard).client.execute({ sql: "select subject, has_attachments, raw_length from messages where user_id = ?", args: [user.id] })
    ).rows;
    expect(rows).toHaveLength(sample.length);
    // Subjects as a reference parser reads them from the same bytes.
    const expected = await Promise.all(sample.map(async (m) => ((await PostalMime.parse(m.raw)).subject ?? "").replace(/[\r\n\t]+/g, " ").trim()));
    expect(rows.map((r) => String(r.subject)).sort()).toEqual(expected.sort());
    const unparsed = rows.filter((r) => String(r.subject) === "(message could not be parsed)");
    expect(unparsed).toHaveLength(0);
  });
});
