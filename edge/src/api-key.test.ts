// API keys name their user's home region, which picks the hub (and its jurisdiction) that checks them;
// keys an older release made name none and keep working, in the default region.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ApiKeyCreated, LoginResponse } from "../../shared/api.ts";
import { toBase64Url, toHex } from "../../shared/encoding.ts";
import { api } from "../test/api.ts";
import { seed } from "../test/seed.ts";
import { hashApiKey, newApiKey, parseApiKey } from "./api-key.ts";

const USER = "0192f3a4-5b6c-7d8e-9f00-112233445566";

describe("parseApiKey", () => {
  it("reads the region, user and key id of a key, and none from a key made before keys named it", () => {
    const { key, keyId } = newApiKey(USER, "eu");
    expect(key).toMatch(/^emk_eu_0192f3a45b6c7d8e9f00112233445566_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key)).toEqual({ userId: USER, keyId, region: "eu" });
    expect(parseApiKey(key.replace("emk_eu_", "emk_us-west-2_"))).toEqual({ userId: USER, keyId, region: "us-west-2" });
    const old = key.replace("emk_eu_", "emk_");
    expect(parseApiKey(old)).toEqual({ userId: USER, keyId, region: null });
    // A secret may hold "_" and "-": the fixed lengths keep the parts apart.
    const underscores = `emk_eu_${USER.replace(/-/g, "")}_${keyId}_${"_-".repeat(21)}a`;
    expect(parseApiKey(underscores)).toEqual({ userId: USER, keyId, region: "eu" });
    for (const bad of ["emk_EU_" + key.slice(7), "emk_e_u_" + key.slice(7), key + "x", key.slice(0, -1), "emk_nonsense"]) expect(parseApiKey(bad)).toBeNull();
  });
});

async function signIn(address: string, password: string): Promise<LoginResponse> {
  const res = await api("/api/v1/auth/login", { method: "POST", json: { address, password } });
  expect(res.status).toBe(200);
  return (await res.json()) as LoginResponse;
}

describe("an API key's region", () => {
  it("is its user's home region, covered by its hash: the key with another region, or none, is refused", async () => {
    const { token, user } = await signIn(seed.alice.address, seed.alice.password);
    const created = (await (await api("/api/v1/api-keys", { method: "POST", token, json: { name: "regional", scopes: ["mail.read"] } })).json()) as ApiKeyCreated;
    expect(created.key.startsWith(`emk_${user.region}_`)).toBe(true);
    expect((await api("/api/v1/folders", { token: created.key })).status).toBe(200);
    // Both reach the same hub here (neither region is in a jurisdiction), which refuses them by their hash.
    expect((await api("/api/v1/folders", { token: created.key.replace(`emk_${user.region}_`, "emk_eu_") })).status).toBe(401);
    expect((await api("/api/v1/folders", { token: created.key.replace(`emk_${user.region}_`, "emk_") })).status).toBe(401);
    expect((await api(`/api/v1/api-keys/${created.id}`, { method: "DELETE", token })).status).toBe(204);
  });

  it("a key from before keys named their region still works, in the default region", async () => {
    const { token, user } = await signIn(seed.alice.address, seed.alice.password);
    // Stored as the release before this one stored it: its hash, for a key without a region.
    const keyId = toHex(crypto.getRandomValues(new Uint8Array(8)));
    const old = `emk_${user.id.replace(/-/g, "")}_${keyId}_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
    const hash = await hashApiKey(old);
    const stub = env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(user.id));
    await runInDurableObject(stub, (_hub, state) => {
      state.storage.sql.exec(
        `INSERT INTO api_keys (id, name, scopes, prefix, hash, created_at, expires_at) VALUES (?, 'old', '["mail.read"]', ?, ?, ?, NULL)`,
        keyId, `emk_…_${keyId}`, hash, Date.now(),
      );
    });
    expect((await api("/api/v1/folders", { token: old })).status).toBe(200);
    expect((await api(`/api/v1/api-keys/${keyId}`, { method: "DELETE", token })).status).toBe(204);
    expect((await api("/api/v1/folders", { token: old })).status).toBe(401);
  });
});
