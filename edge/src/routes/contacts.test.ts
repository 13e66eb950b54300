// Address suggestions end to end: mail sent through the edge's API (queue, core, Sent) makes the
// sender's contacts; the edge answers them in the API's schema, ranked, matched, and only the caller's.
import { describe, expect, it } from "vitest";
import { ContactList, type MessagePage } from "../../../shared/api.ts";
import type { Problem } from "../../../shared/problem.ts";
import { api, conforms, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";
import { until } from "../../../test/support/until.ts";

async function sendAll(token: string, messages: object[]): Promise<void> {
  for (const m of messages) expect((await api("/api/v1/messages", { method: "POST", token, json: m })).status).toBe(202);
  await until(async () => {
    const page = (await (await api("/api/v1/folders/sent/messages?limit=100", { token, headers: { "cache-control": "no-cache" } })).json()) as MessagePage;
    return page.messages.length >= messages.length;
  }, "the Sent copies", 20_000);
}

const contacts = async (token: string, qs = "") => conforms(await api(`/api/v1/contacts${qs}`, { token }), ContactList);

describe("GET /api/v1/contacts", () => {
  it("suggests whom the user mailed, most mailed first; never whom another user mailed", async () => {
    const nora = await login(seed.nora.address, seed.nora.password);
    const oscar = await login(seed.oscar.address, seed.oscar.password);
    await sendAll(nora, [
      { to: [{ name: "Carol Carter", address: seed.carol.address }], subject: "first", text: "1" },
      { to: [seed.dan.address], subject: "second", text: "2" },
      { to: [seed.carol.address], subject: "third", text: "3" },
    ]);
    await sendAll(oscar, [{ to: [seed.bob.address], cc: [seed.carol.address], subject: "oscar's", text: "4" }]);

    const c = await contacts(nora, "?q=c");
    expect(c.contacts.map((x) => [x.address, x.name, x.timesMailed])).toEqual([[seed.carol.address, "Carol Carter", 2]]);
    expect((await contacts(nora, "?q=CART")).contacts.map((x) => x.address)).toEqual([seed.carol.address]);
    const all = await contacts(nora);
    expect(all.contacts.map((x) => x.address)).toEqual([seed.carol.address, seed.dan.address]);
    expect(Date.parse(all.contacts[0]!.lastMailedAt)).toBeGreaterThan(Date.parse(all.contacts[1]!.lastMailedAt));
    expect((await contacts(nora, "?limit=1")).contacts).toHaveLength(1);
    expect((await contacts(nora, "?q=b")).contacts).toEqual([]);
    expect((await contacts(oscar)).contacts.map((x) => [x.address, x.timesMailed])).toEqual([
      [seed.bob.address, 1],
      [seed.carol.address, 1],
    ]);
  });

  it("refuses a bad limit or an unknown parameter, naming it", async () => {
    const token = await login(seed.nora.address, seed.nora.password);
    for (const [qs, field] of [["?limit=0", "query.limit"], ["?limit=51", "query.limit"], ["?limit=x", "query.limit"], ["?sort=name", "query"]] as const) {
      const res = await api(`/api/v1/contacts${qs}`, { token });
      expect(res.status, qs).toBe(400);
      expect(((await res.json()) as Problem).errors?.[0]?.field, qs).toBe(field);
    }
  });
});
