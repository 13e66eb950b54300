// The request id: made by the edge for every request, on every answer (also one the handler built
// itself), in every log line of the request.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";
import { app } from "../index.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => vi.restoreAllMocks());

describe("the request id", () => {
  it("is the edge's own, never one the client sent, and the problem names the one in the header", async () => {
    const res = await api("/api/no-such-page", { headers: { "x-request-id": "chosen-by-the-client" } });
    expect(res.status).toBe(404);
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(UUID);
    expect(((await res.json()) as { requestId: string }).requestId).toBe(id);
    const again = await api("/api/no-such-page", { headers: { "x-request-id": "chosen-by-the-client" } });
    expect(again.headers.get("x-request-id")).toMatch(UUID);
    expect(again.headers.get("x-request-id")).not.toBe(id);
  });

  it("is on an answer the handler built itself (the hub's event stream)", async () => {
    const token = await login(seed.alice.address, seed.alice.password);
    const stream = await api("/api/v1/events/stream", { token });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("x-request-id")).toMatch(UUID);
    await stream.body!.cancel();
  });

  it("is in the request's log lines, in the core's shape", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    // No cf-connecting-ip: the login is refused, and logged.
    const res = await app.request(
      "/api/v1/auth/login",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: seed.alice.address, password: seed.alice.password }) },
      env,
    );
    expect(res.status).toBe(503);
    const lines = error.mock.calls.map((call) => JSON.parse(String(call[0])) as Record<string, unknown>);
    expect(lines).toEqual([
      { time: expect.any(String), level: "error", msg: "edge: the runtime gives no client address; login refused", svc: "edge", requestId: res.headers.get("x-request-id") },
    ]);
  });
});
