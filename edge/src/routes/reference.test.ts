// The API reference as served by the worker: without a token, cacheable, and covering every route
// the app has.
import { describe, expect, it } from "vitest";
import { api } from "../../test/api.ts";
import { app } from "../index.ts";

type Doc = { openapi: string; paths: Record<string, Record<string, unknown>> };

async function fetchDocument(): Promise<Doc> {
  const res = await api("/api/v1/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

describe("GET /api/v1/openapi.json", () => {
  it("answers the OpenAPI 3.1 document without authentication, cacheable", async () => {
    const res = await api("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json\b/);
    expect(res.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.paths["/api/v1/messages/{id}"]).toHaveProperty("patch");
  });

  it("answers 304 to a client that has the current version", async () => {
    const first = await api("/api/v1/openapi.json");
    await first.arrayBuffer();
    const tag = first.headers.get("etag");
    expect(tag).toBeTruthy();
    const again = await api("/api/v1/openapi.json", { headers: { "if-none-match": tag! } });
    expect(again.status).toBe(304);
  });
});

describe("GET /api/docs", () => {
  it("answers a self-contained page naming every operation, without authentication", async () => {
    const doc = await fetchDocument();
    const res = await api("/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html\b/);
    expect(res.headers.get("cache-control")).toMatch(/^public/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) expect(html, `${method} ${path}`).toContain(`${method.toUpperCase()}</span> <code>${path}</code>`);
    }
  });
});

describe("the document", () => {
  it("covers every route the app has under /api", async () => {
    const doc = await fetchDocument();
    const implemented = app.routes
      .filter((r) => r.method !== "ALL" && r.path.startsWith("/api"))
      // Hono writes `:id` (or `:id{regex}`); OpenAPI writes `{id}`.
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`);
    expect(implemented.length).toBeGreaterThan(10);
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`)));
    expect([...new Set(implemented)].filter((route) => !documented.has(route))).toEqual([]);
  });
});
