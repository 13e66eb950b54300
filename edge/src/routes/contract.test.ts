// The answers of the running worker match the contract the OpenAPI document is generated from: each
// is parsed by its zod schema from shared/ and must come out unchanged (no missing, mistyped or
// undocumented fields).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiKeyCreated, ApiKeyInfo, Folder, LoginResponse, MessagePage, WebhookCreated, WebhookInfo } from "../../../shared/api.ts";
import { ClientEventSchema, EventData, type EventType } from "../../../shared/events.ts";
import { api } from "../../test/api.ts";
import { endpoint } from "../../test/webhook-receiver.ts";
import { seed } from "../../test/seed.ts";

async function conforms<S extends z.ZodType>(res: Response, status: number, schema: S): Promise<z.infer<S>> {
  expect(res.status).toBe(status);
  const body: unknown = await res.json();
  const parsed = schema.safeParse(body);
  expect(parsed.error?.issues ?? []).toEqual([]);
  expect(parsed.data).toEqual(body);
  return parsed.data as z.infer<S>;
}

const EventsPage = z.object({ events: z.array(ClientEventSchema), cursor: z.number().int() });

describe("answers match the documented contract", () => {
  it("login, folders, inbox page (from the hub and the core), keys, webhooks, events", async () => {
    const login = await conforms(await api("/api/v1/auth/login", { method: "POST", json: { address: seed.alice.address, password: seed.alice.password } }), 200, LoginResponse);
    const token = login.token;
    await conforms(await api("/api/v1/folders", { token }), 200, z.object({ folders: z.array(Folder) }));
    await conforms(await api("/api/v1/folders", { token, headers: { "cache-control": "no-cache" } }), 200, z.object({ folders: z.array(Folder) }));
    await conforms(await api("/api/v1/folders/inbox/messages?limit=5", { token }), 200, MessagePage);
    await conforms(await api("/api/v1/folders/inbox/messages?limit=5", { token, headers: { "cache-control": "no-cache" } }), 200, MessagePage);
    const key = await conforms(await api("/api/v1/api-keys", { method: "POST", token, json: { name: "contract", scopes: ["events"], expiresIn: 3600 } }), 201, ApiKeyCreated);
    await conforms(await api("/api/v1/api-keys", { token }), 200, z.object({ keys: z.array(ApiKeyInfo) }));
    await conforms(await api("/api/v1/webhooks", { method: "POST", token: key.key, json: { url: endpoint("ok").url } }), 201, WebhookCreated);
    await conforms(await api("/api/v1/webhooks", { token: key.key }), 200, z.object({ webhooks: z.array(WebhookInfo) }));
    const page = await conforms(await api("/api/v1/events?since=0&timeout=0", { token }), 200, EventsPage);
    // Each event's data has its type's documented shape.
    for (const event of page.events) {
      const data = EventData[event.type as EventType].safeParse(event.data);
      expect(data.error?.issues ?? [], event.type).toEqual([]);
    }
  });
});
