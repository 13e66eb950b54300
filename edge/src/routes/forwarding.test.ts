// Filters that forward mail away, through the edge (workerd) to the seeded core: a key with only
// mail.manage cannot add a forward to an outside address (Sieve or rules) but may keep or remove one;
// a password session or a key with mail.forward may add one, and the user is told (security.forwarding
// on their connections, and the security activity).
import { describe, expect, it } from "vitest";
import type { ApiKeyCreated, Scope } from "../../../shared/api.ts";
import type { ClientEvent } from "../../../shared/events.ts";
import type { Filters } from "../../../shared/filters.ts";
import { SecurityEventList, type SecurityEvent } from "../../../shared/security.ts";
import { api, conforms, login } from "../../test/api.ts";
import { openSocket, pumpUntil } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";

const lena = () => login(seed.lena.address, seed.lena.password);

async function keyWith(token: string, scopes: Scope[]): Promise<ApiKeyCreated> {
  const res = await api("/api/v1/api-keys", { method: "POST", token, json: { name: `forwarding ${scopes.join(" ")}`, scopes } });
  expect(res.status).toBe(201);
  return (await res.json()) as ApiKeyCreated;
}

const saveSieve = (token: string, script: string) => api("/api/v1/filters/sieve", { method: "PUT", token, body: script, headers: { "content-type": "application/sieve" } });
const saveRules = (token: string, rules: unknown[]) => api("/api/v1/filters", { method: "PUT", token, json: { rules } });
const moveWork = { conditions: { from: "boss@example.com" }, actions: { moveTo: "Work" } };
const forward = (to: string) => ({ conditions: { subject: "invoice" }, actions: { forwardTo: to } });

async function refusal(res: Response): Promise<{ detail: string; errors: { field: string; message: string }[] }> {
  expect(res.status, await res.clone().text()).toBe(403);
  expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
  return (await res.json()) as { detail: string; errors: { field: string; message: string }[] };
}

describe("forwarding in filters", () => {
  it("a mail.manage key cannot add a forward outside the account, but may keep, remove, and forward to the user's own addresses", async () => {
    const token = await lena();
    const key = (await keyWith(token, ["mail.manage"])).key;

    const script = await refusal(await saveSieve(key, 'require ["copy", "fileinto"];\nfileinto "Kept";\nredirect :copy "thief@elsewhere.test";\n'));
    expect(script.errors).toEqual([{ field: "script", message: expect.stringContaining("thief@elsewhere.test") }]);
    expect(script.detail).toContain("mail.forward");
    expect(script.detail).toContain("password session");

    // Another user of this service is outside the account too; the refusal names each rule.
    const rules = await refusal(await saveRules(key, [moveWork, forward("Thief@Elsewhere.test"), { ...forward("bob@example.test"), enabled: true }]));
    expect(rules.errors.map((e) => e.field)).toEqual(["rules.1.actions.forwardTo", "rules.2.actions.forwardTo"]);
    expect(rules.errors[0]!.message).toContain("mail.forward");
    // A disabled rule forwards nothing.
    expect((await saveRules(key, [moveWork, { ...forward("thief@elsewhere.test"), enabled: false }])).status).toBe(200);
    expect(((await (await api("/api/v1/filters", { token })).json()) as Filters).script).not.toContain("thief@");

    // The user's own address, an alias (as the directory resolves it) and a subaddress are not outside.
    const own = await saveSieve(key, `require "copy";\nredirect :copy "${seed.lena.alias}";\nredirect :copy "lena+archive@example.test";\nredirect "${seed.lena.address}";\n`);
    expect(own.status, await own.clone().text()).toBe(200);

    // A password session adds a forward; the key may then keep it while it changes the rules around it...
    expect((await saveRules(token, [forward("lena@home.test")])).status).toBe(200);
    const kept = await saveRules(key, [moveWork, forward("Lena@Home.test"), { conditions: { subject: "receipt" }, actions: { forwardTo: "lena@home.test", markRead: true } }]);
    expect(kept.status, await kept.clone().text()).toBe(200);
    expect(((await kept.json()) as Filters).script).toContain('redirect :copy "Lena@Home.test";');
    // ...and as Sieve, the same forward kept, a new one refused.
    expect((await saveSieve(key, 'require "copy";\nredirect :copy "lena@home.test";\n')).status).toBe(200);
    expect((await refusal(await saveSieve(key, 'require "copy";\nredirect :copy "lena@home.test";\nredirect :copy "lena@work.test";\n'))).errors[0]!.message).toMatch(/^redirects to lena@work\.test: /);
    // ...remove it, and not bring it back.
    expect((await saveRules(key, [moveWork])).status).toBe(200);
    await refusal(await saveRules(key, [moveWork, forward("lena@home.test")]));
    expect(((await (await api("/api/v1/filters", { token })).json()) as Filters).script).not.toContain("redirect");
  });

  it("a mail.forward key or a session may add one, and the user is told: security.forwarding on their connections and in the security activity", async () => {
    const token = await lena();
    const socket = await openSocket(token);
    const key = await keyWith(token, ["mail.manage", "mail.forward"]);
    const forwardings = () => socket.events().filter((e): e is ClientEvent<"security.forwarding"> => e.type === "security.forwarding");

    const saved = await saveSieve(key.key, 'require "copy";\nredirect :copy "archive@elsewhere.test";\nredirect :copy "lena.work@example.test";\n');
    expect(saved.status, await saved.clone().text()).toBe(200);
    await pumpUntil(() => forwardings().some((e) => e.data.added.includes("archive@elsewhere.test")));
    const byKey = forwardings().find((e) => e.data.added.includes("archive@elsewhere.test"))!;
    expect(byKey.data).toEqual({ added: ["archive@elsewhere.test"], targets: ["archive@elsewhere.test"], by: { kind: "apiKey", id: key.id } });

    // Saving the same forward again tells nothing new; a session adding one more is told with both targets.
    expect((await saveSieve(key.key, 'require "copy";\nredirect :copy "archive@elsewhere.test";\n')).status).toBe(200);
    expect((await saveRules(token, [forward("archive@elsewhere.test"), forward("Backup@Elsewhere.test")])).status).toBe(200);
    await pumpUntil(() => forwardings().some((e) => e.data.added.includes("backup@elsewhere.test")));
    const bySession = forwardings().filter((e) => e.cursor > byKey.cursor);
    expect(bySession).toHaveLength(1);
    expect(bySession[0]!.data).toMatchObject({ added: ["backup@elsewhere.test"], targets: ["archive@elsewhere.test", "backup@elsewhere.test"], by: { kind: "session" } });

    const activity = (await conforms(await api("/api/v1/security/events", { token }), SecurityEventList)).events as SecurityEvent[];
    const added = activity.filter((e) => e.type === "forwarding.added").map((e) => e.data);
    expect(added.slice(0, 2)).toEqual([bySession[0]!.data, byKey.data]);
    expect(activity.find((e) => e.type === "api-key.created" && e.data.id === key.id)).toMatchObject({ data: { scopes: ["mail.forward", "mail.manage"], by: "user" } });
    // Newest first.
    expect(activity.map((e) => e.at)).toEqual(activity.map((e) => e.at).sort().reverse());

    expect((await saveRules(token, [])).status).toBe(200);
    socket.ws.close(1000);
  });
});
