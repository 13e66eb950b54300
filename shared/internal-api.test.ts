// The contract's path builder: parameters land encoded in their segments, and a query written from
// the values the core should read is read back by the route's own schema as exactly those values.
import { describe, expect, it } from "vitest";
import { coreApi, corePath, type CoreRequest, type CoreRoute } from "./internal-api.ts";

const userId = "01900000-0000-7000-8000-000000000001";

function roundTrip<R extends CoreRoute>(route: R, request: CoreRequest<R>): unknown {
  const url = new URL(corePath(route, request), "http://core.test");
  return route.query!.parse(Object.fromEntries(url.searchParams));
}

describe("corePath", () => {
  it("fills each :param, percent-encoded", () => {
    expect(corePath(coreApi.account, { params: { userId } })).toBe(`/internal/v1/users/${userId}/account`);
    expect(corePath(coreApi.attachment, { params: { userId, id: "m", attachmentId: "a/b c?" } })).toBe(`/internal/v1/users/${userId}/messages/m/attachments/a%2Fb%20c%3F`);
    expect(corePath(coreApi.queueError, { params: {}, body: { id: "x", userId, messageId: "m", reason: "r" } })).toBe("/internal/v1/queue-errors");
  });

  it("writes a query the route's schema reads back unchanged (numbers, booleans, lists; absent values left out)", () => {
    const page = { limit: 20, cursor: "c&d=e", collapseThreads: true };
    expect(roundTrip(coreApi.folderMessages, { params: { userId, folder: "inbox" }, query: page })).toEqual(page);
    expect(roundTrip(coreApi.folderMessages, { params: { userId, folder: "inbox" }, query: { limit: 5, collapseThreads: false } })).toEqual({ limit: 5, collapseThreads: false });
    expect(corePath(coreApi.folderMessages, { params: { userId, folder: "inbox" }, query: { limit: 5 } })).toBe(`/internal/v1/users/${userId}/folders/inbox/messages?limit=5`);
    const saver = { by: "apiKey" as const, byId: "k1", scopes: ["mail.manage", "mail.forward"] };
    expect(roundTrip(coreApi.saveSieve, { params: { userId }, query: saver, body: { script: "keep;" } })).toEqual(saver);
    expect(roundTrip(coreApi.saveFilterRules, { params: { userId }, query: { ...saver, scopes: [] }, body: {} })).toEqual({ ...saver, scopes: [] });
    const search = { q: 'from:bob "a b" +c', limit: 10, sort: "relevance" as const, cursor: "x" };
    expect(roundTrip(coreApi.search, { params: { userId }, query: search })).toEqual(search);
    expect(roundTrip(coreApi.contacts, { params: { userId }, query: { q: "", limit: 10 } })).toEqual({ q: "", limit: 10 });
    expect(roundTrip(coreApi.events, { params: { userId }, query: { since: 41, limit: 1000 } })).toEqual({ since: 41, limit: 1000 });
    expect(roundTrip(coreApi.head, { params: { userId }, query: { limit: 50 } })).toEqual({ limit: 50 });
  });
});
