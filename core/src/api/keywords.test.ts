// Keywords through PATCH /messages/{id} against a real core: added and removed case-insensitively,
// recorded in message.updated with the seq header, and refused with a 400 naming the field when the
// syntax, the size, the count or a system flag is wrong.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageSummary } from "../../../shared/api.ts";
import type { CoreEventsPage } from "../../../shared/internal-api.ts";
import type { Problem } from "../../../shared/problem.ts";
import { testFiling } from "../../../test/support/filing.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";
import { fileMessages } from "../store/filing.ts";

let core: TempCore;
let api: ReturnType<typeof internalApi>;
let alice: { id: string; shard: string };

async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  expect(r.status, await r.clone().text()).toBe(status);
  return (await r.json()) as T;
}

async function newMessage(keywords: string[] = []): Promise<string> {
  const f = testFiling(alice.id, "labels", { keywords });
  await fileMessages(core.shards.get(alice.shard), [f]);
  return f.messageId;
}

const patch = (id: string, body: unknown) => api("PATCH", `/internal/v1/users/${alice.id}/messages/${id}`, body);

beforeAll(async () => {
  core = await startTempCore();
  api = internalApi(core.apiPort);
  alice = await core.addUser("alice@example.test");
});
afterAll(() => core?.destroy());

describe("PATCH /messages/{id} keywords", () => {
  it("adds and removes keywords case-insensitively, keeps the rest, and says so in message.updated", async () => {
    const id = await newMessage(["$Junk", "Receipts"]);
    const res = await patch(id, { keywords: { add: ["invoices", "RECEIPTS", "$Important"], remove: ["$junk"] } });
    const summary = await json<MessageSummary>(res);
    expect(summary.keywords).toEqual(["Receipts", "invoices", "$Important"]);
    const seq = Number(res.headers.get("x-edgemail-event-seq"));

    const { events } = await json<CoreEventsPage>(api("GET", `/internal/v1/users/${alice.id}/events?since=${seq - 1}`));
    expect(events.map((e) => [e.seq, e.type, e.data])).toEqual([
      [seq, "message.updated", { id, folderId: summary.folderId, read: false, starred: false, threadId: summary.threadId, keywords: ["Receipts", "invoices", "$Important"] }],
    ]);
    expect((await json<MessageSummary>(api("GET", `/internal/v1/users/${alice.id}/messages/${id}`))).keywords).toEqual(["Receipts", "invoices", "$Important"]);

    // Nothing new: no change, no event.
    const again = await patch(id, { keywords: { add: ["Invoices"], remove: ["nothing-like-it"] } });
    expect((await json<MessageSummary>(again)).keywords).toEqual(["Receipts", "invoices", "$Important"]);
    expect(Number(again.headers.get("x-edgemail-event-seq"))).toBe(seq);

    // With a flag in the same patch: one event carrying both.
    const both = await json<MessageSummary>(patch(id, { read: true, keywords: { remove: ["receipts"] } }));
    expect(both).toMatchObject({ read: true, keywords: ["invoices", "$Important"] });
  });

  it("refuses a bad keyword with a 400 naming the field", async () => {
    const id = await newMessage();
    const cases: [unknown, string, RegExp][] = [
      [{ add: ["two words"] }, "keywords.add.0", /IMAP keyword/],
      [{ add: ["\\Seen"] }, "keywords.add.0", /IMAP keyword/],
      [{ add: ["x".repeat(101)] }, "keywords.add.0", /at most 100/],
      [{ add: [""] }, "keywords.add.0", /empty/],
      [{ add: ["ok", "$Seen"] }, "keywords.add.1", /read field: set read instead/],
      [{ remove: ["$flagged"] }, "keywords.remove.0", /starred field/],
      [{ add: ["a"], remove: ["A"] }, "keywords.remove.0", /also in add/],
      [{ replace: ["a"] }, "keywords", /./],
    ];
    for (const [keywords, field, message] of cases) {
      const problem = await json<Problem & { errors: { field: string; message: string }[] }>(patch(id, { keywords }), 400);
      expect(problem.errors, JSON.stringify(keywords)).toContainEqual({ field, message: expect.stringMatching(message) });
    }
    expect((await json<MessageSummary>(api("GET", `/internal/v1/users/${alice.id}/messages/${id}`))).keywords).toEqual([]);
  });

  it("keeps a message at 50 keywords at most, and still lets one with more lose some", async () => {
    const id = await newMessage(Array.from({ length: 49 }, (_, i) => `k${i}`));
    const full = await json<MessageSummary>(patch(id, { keywords: { add: ["k49"] } }));
    expect(full.keywords).toHaveLength(50);
    const problem = await json<Problem & { errors: { field: string; message: string }[] }>(patch(id, { keywords: { add: ["k50"] } }), 400);
    expect(problem.errors).toEqual([{ field: "keywords.add", message: expect.stringMatching(/51 keywords; at most 50/) }]);
    // A filter may have set more: a patch that leaves fewer is allowed, one that leaves more is not.
    const crowded = await newMessage(Array.from({ length: 60 }, (_, i) => `k${i}`));
    expect((await json<MessageSummary>(patch(crowded, { keywords: { remove: ["k0"] } }))).keywords).toHaveLength(59);
    expect((await json<MessageSummary>(patch(crowded, { keywords: { add: ["new"], remove: ["k1", "k2"] } }))).keywords).toHaveLength(58);
    expect((await patch(crowded, { keywords: { add: ["newer", "newest"], remove: ["k3"] } })).status).toBe(400);
  });

  it("is another user's message: 404", async () => {
    const bob = await core.addUser("bob@example.test");
    const id = await newMessage();
    expect((await api("PATCH", `/internal/v1/users/${bob.id}/messages/${id}`, { keywords: { add: ["mine"] } })).status).toBe(404);
  });
});
