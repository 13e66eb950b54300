// The user's settings, kept in their hub: defaults, partial changes, validation naming the field, and
// trusted senders added one at a time by clients that do not see each other.
import { beforeAll, describe, expect, it } from "vitest";
import { Settings } from "../../../shared/api.ts";
import { problemType } from "../../../shared/problem.ts";
import { api, conforms, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";

let sam: string;

const patch = (json: unknown) => api("/api/v1/settings", { method: "PATCH", token: sam, json });
const trust = (address: unknown) => api("/api/v1/settings/trusted-senders", { method: "POST", token: sam, json: { address } });

async function fieldsOf(res: Response): Promise<string[]> {
  expect(res.status).toBe(400);
  return ((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
}

beforeAll(async () => {
  sam = await login(seed.sam.address, seed.sam.password);
});

describe("settings", () => {
  it("starts from the defaults, changes only the fields given, and keeps them", async () => {
    expect(await conforms(await api("/api/v1/settings", { token: sam }), Settings)).toEqual({
      undoSendSeconds: 10,
      remoteContent: { trustedSenders: [] },
      theme: "system",
    });
    expect(await conforms(await patch({ undoSendSeconds: 30, theme: "dark" }), Settings)).toEqual({
      undoSendSeconds: 30,
      remoteContent: { trustedSenders: [] },
      theme: "dark",
    });
    const replaced = await conforms(await patch({ remoteContent: { trustedSenders: ["News@Example.ORG", "news@example.org", " shop@remote.test "] } }), Settings);
    expect(replaced).toEqual({ undoSendSeconds: 30, remoteContent: { trustedSenders: ["news@example.org", "shop@remote.test"] }, theme: "dark" });
    expect(await conforms(await patch({ undoSendSeconds: 0 }), Settings)).toEqual({ ...replaced, undoSendSeconds: 0 });
    // Another session of the same user (another device) sees the same.
    const elsewhere = await login(seed.sam.address, seed.sam.password);
    expect(await conforms(await api("/api/v1/settings", { token: elsewhere }), Settings)).toEqual({ ...replaced, undoSendSeconds: 0 });
  });

  it("refuses bad values, naming the field, and changes nothing then", async () => {
    const before = await conforms(await api("/api/v1/settings", { token: sam }), Settings);
    expect(await fieldsOf(await patch({ undoSendSeconds: 7 }))).toContain("undoSendSeconds");
    expect(await fieldsOf(await patch({ undoSendSeconds: 7, theme: "dark" }))).toContain("undoSendSeconds");
    expect(await fieldsOf(await patch({ theme: "blue" }))).toContain("theme");
    expect(await fieldsOf(await patch({ remoteContent: { trustedSenders: ["not an address"] } }))).toContain("remoteContent.trustedSenders.0");
    expect(await fieldsOf(await patch({ remoteContent: { trustedSenders: Array.from({ length: 1001 }, (_, i) => `s${i}@remote.test`) } }))).toContain("remoteContent.trustedSenders");
    expect(await fieldsOf(await patch({ remoteContent: {} }))).toContain("remoteContent.trustedSenders");
    expect((await patch({})).status).toBe(400);
    expect(await fieldsOf(await patch({ colour: "red" }))).toContain("(body)");
    expect(await fieldsOf(await trust("nobody"))).toContain("address");
    expect(await conforms(await api("/api/v1/settings", { token: sam }), Settings)).toEqual(before);
  });

  it("adds trusted senders one at a time, so clients adding at once both count", async () => {
    await patch({ remoteContent: { trustedSenders: [] } });
    const added = await Promise.all(["one@remote.test", "Two@Remote.test", "three@remote.test"].map((a) => trust(a)));
    expect(added.map((r) => r.status)).toEqual([200, 200, 200]);
    const settings = await conforms(await trust("one@remote.test"), Settings);
    expect([...settings.remoteContent.trustedSenders].sort()).toEqual(["one@remote.test", "three@remote.test", "two@remote.test"]);
  });

  it("keeps at most 1000 trusted senders: one more is a 409, one already there is fine", async () => {
    const full = Array.from({ length: 1000 }, (_, i) => `sender${i}@remote.test`);
    expect((await conforms(await patch({ remoteContent: { trustedSenders: full } }), Settings)).remoteContent.trustedSenders).toHaveLength(1000);
    const over = await trust("one.more@remote.test");
    expect(over.status).toBe(409);
    expect(((await over.json()) as { type: string }).type).toBe(problemType("conflict"));
    expect((await conforms(await trust("SENDER7@remote.test"), Settings)).remoteContent.trustedSenders).toHaveLength(1000);
    await patch({ remoteContent: { trustedSenders: [] } });
  });
});
