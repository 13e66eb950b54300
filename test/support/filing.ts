// A message as the pipeline would file it, for store tests that put rows in a shard directly.
// Each call is a second later than the one before, so listings have a known order.
import { uuidv7 } from "../../shared/ids.ts";
import type { Filing } from "../../core/src/store/filing.ts";

let t = Date.now() - 1_000_000;

export function testFiling(userId: string, subject: string, overrides: Partial<Filing> = {}): Filing {
  const receivedAt = (t += 1000);
  return {
    userId,
    messageId: uuidv7(receivedAt),
    folderRole: "inbox",
    receivedAt,
    size: 1000,
    seen: false,
    from: { name: "Bob", address: "bob@remote.test" },
    to: [{ name: "", address: "alice@example.test" }],
    cc: [],
    replyTo: [],
    subject,
    snippet: subject,
    sentAt: receivedAt,
    messageIdHeader: `<${subject}@remote.test>`,
    inReplyTo: null,
    references: [],
    text: `body of ${subject}`,
    html: null,
    raw: { key: "raw/test.pack", offset: 0, length: 1000 },
    attachments: [],
    ...overrides,
  };
}
