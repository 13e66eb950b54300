// The answers of the running worker match the contract the OpenAPI document is generated from: each
// is parsed by its zod schema from shared/ and must come out unchanged (no missing, mistyped or
// undocumented fields).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiKeyCreated, ApiKeyInfo, Folder, LoginResponse, MessagePage, WebhookCreated, WebhookInfo } from "../../../shared/api.ts";
import { ClientEventSchema, EventData, type EventType } from "../../../shared/events.ts";
import { api, conforms } from "../../test/api.ts";
import { endpoint } from "../../test/webhook-receiver.ts";
import { seed } from "../../test/seed.ts";


const EventsPage = z.object({ events: z.array(ClientEventSchema), cursor: z.number().int() });

describe("answers match the documented contract", () => {
  it("login, folders, inbox page (from the hub and the core), keys, webhooks, events", async () => {
    const login = await conforms(await api("/api/v1/auth/login", { method: "POST", json: { address: seed.alice.address, password: seed.alice.password } }), LoginResponse, 200);
    const token = login.token;
    await conforms(await api("/api/v1/folders", { token }), z.object({ folders: z.array(Folder) }), 200);
    await conforms(await api("/api/v1/folders", { token, headers: { "cache-control": "no-cache" } }), z.object({ folders: z.array(Folder) }), 200);
    await conforms(await api("/api/v1/folders/inbox/messages?limit=5", { token }), MessagePage, 200);
    await conforms(await api("/api/v1/folders/inbox/messages?limit=5", { token, headers: { "cache-control": "no-cache" } }), MessagePage, 200);
    const key = await conforms(await api("/api/v1/api-keys", { method: "POST", token, json: { name: "contract", scopes: ["events"], expiresIn: 3600 } }), ApiKeyCreated, 201);
    await conforms(await api("/api/v1/api-keys", { token }), z.object({ keys: z.array(ApiKeyInfo) }), 200);
    await conforms(await api("/api/v1/webhooks", { method: "POST", token: key.key, json: { url: endpoint("ok").url } }), WebhookCreated, 201);
    await conforms(await api("/api/v1/webhooks", { token: key.key }), z.object({ webhooks: z.array(WebhookInfo) }), 200);
    const page = await conforms(await api("/api/v1/events?since=0&timeout=0", { token }), EventsPage, 200);
    // Each event's data has its type's documented shape.
    for (const event of page.events) {
      const data = EventData[event.type as EventType].safeParse(event.data);
      expect(data.error?.issues ?? [], event.type).toEqual([]);
    }
  });
});
