// The reads the user's Durable Object answers (folders, the inbox's first page) cost one call to it:
// the credential check and the read go together. Counted on the real app and the real Durable
// Object, with the calls to the hub observed on their way.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { ApiKeyCreated, Folder, MessagePage } from "../../shared/api.ts";
import { api, clientIp, login } from "../test/api.ts";
import { seed } from "../test/seed.ts";
import { createApp } from "./app.ts";
import { cloudflarePlatform } from "./cloudflare-platform.ts";
import type { Env } from "./env.ts";
import type { Hub, Platform } from "./platform.ts";

/** Every call made to any user's hub, by method name. */
let calls: string[] = [];
const counted = (platform: Platform): Platform => ({
  ...platform,
  hub: (userId, region) =>
    new Proxy(platform.hub(userId, region), {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          // Not value.apply(…): on a Durable Object stub, that would name a method "apply".
          return Reflect.apply(value, target, args);
        };
      },
    }) as Hub,
});
const app = createApp((e: Env) => counted(cloudflarePlatform(e)));

function get(path: string, credential: string, headers: Record<string, string> = {}): Promise<Response> {
  calls = [];
  return Promise.resolve(app.request(path, { headers: { authorization: `Bearer ${credential}`, "cf-connecting-ip": clientIp(), ...headers } }, env));
}

let token: string;
beforeAll(async () => {
  token = await login(seed.alice.address, seed.alice.password);
});

async function newKey(scopes: string[]): Promise<ApiKeyCreated> {
  const res = await api("/api/v1/api-keys", { method: "POST", token, json: { name: `hub reads ${scopes.join(" ")}`, scopes } });
  expect(res.status).toBe(201);
  return (await res.json()) as ApiKeyCreated;
}

describe("reads the hub answers", () => {
  it("take one call to the hub, for a session and for an API key, and answer as the core does", async () => {
    const key = (await newKey(["mail.read"])).key;
    for (const credential of [token, key]) {
      const page = await get("/api/v1/folders/inbox/messages?limit=20", credential);
      expect(page.status).toBe(200);
      expect(page.headers.get("x-edgemail-served-by")).toBe("hub");
      expect(calls).toEqual(["authorize"]);
      const fromHub = (await page.json()) as MessagePage;
      const fromCore = await get("/api/v1/folders/inbox/messages?limit=20", credential, { "cache-control": "no-cache" });
      expect(fromCore.headers.get("x-edgemail-served-by")).toBe("core");
      expect(fromHub).toEqual(await fromCore.json());

      const folders = await get("/api/v1/folders", credential);
      expect(folders.headers.get("x-edgemail-served-by")).toBe("hub");
      expect(calls).toEqual(["authorize"]);
      expect(((await folders.json()) as { folders: Folder[] }).folders.map((f) => f.role)).toContain("inbox");
    }
  });

  it("are asked for only when the hub serves them: a later page or another folder goes to the core", async () => {
    const later = await get("/api/v1/folders/inbox/messages?limit=5", token);
    const { nextCursor } = (await later.json()) as MessagePage;
    expect(nextCursor).toBeTruthy();
    for (const path of [`/api/v1/folders/inbox/messages?limit=5&cursor=${encodeURIComponent(nextCursor!)}`, "/api/v1/folders/sent/messages", "/api/v1/folders/inbox/messages?collapseThreads=true"]) {
      const res = await get(path, token);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("x-edgemail-served-by"), path).toBe("core");
      expect(calls, path).toEqual(["authorize"]);
    }
  });

  it("give nothing to a credential that does not hold, nor to a key without mail.read", async () => {
    const events = await newKey(["events"]);
    const refused = await get("/api/v1/folders/inbox/messages", events.key);
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain("subject");

    const reader = await newKey(["mail.read"]);
    expect((await api(`/api/v1/api-keys/${reader.id}`, { method: "DELETE", token })).status).toBe(204);
    expect((await get("/api/v1/folders/inbox/messages", reader.key)).status).toBe(401);

    const session = await login(seed.alice.address, seed.alice.password);
    expect((await api("/api/v1/auth/logout", { method: "POST", token: session })).status).toBe(204);
    const signedOut = await get("/api/v1/folders", session);
    expect(signedOut.status).toBe(401);
    expect(await signedOut.text()).not.toContain("inbox");
  });
});
