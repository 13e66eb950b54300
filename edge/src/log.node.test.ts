// The edge's logger writes the core's shape (core/src/log.ts) through the console method of its level.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, log } from "./log.ts";

afterEach(() => vi.restoreAllMocks());

function captured(level: "debug" | "info" | "warn" | "error"): () => Record<string, unknown>[] {
  const spy = vi.spyOn(console, level).mockImplementation(() => {});
  return () => spy.mock.calls.map((call) => JSON.parse(String(call[0])) as Record<string, unknown>);
}

describe("the edge logger", () => {
  it("writes one JSON object per line: time, level, msg, the service, then the fields", () => {
    const warnings = captured("warn");
    log.warn("webhook: giving up on a delivery", { webhookId: "w1", attempts: 30 });
    const [line] = warnings();
    expect(line).toEqual({ time: expect.any(String), level: "warn", msg: "webhook: giving up on a delivery", svc: "edge", webhookId: "w1", attempts: 30 });
    expect(Date.parse(line!.time as string)).not.toBeNaN();
  });

  it("puts an error under err with its name, message and stack", () => {
    const errors = captured("error");
    log.error("edge: R2 upload failed", { err: new TypeError("network lost") });
    expect(errors()[0]!.err).toEqual({ name: "TypeError", message: "network lost", stack: expect.stringContaining("network lost") });
  });

  it("uses the console method of each level, and a child adds its fields to every line", () => {
    const infos = captured("info");
    const debugs = captured("debug");
    const child = createLogger({ svc: "edge" }).child({ requestId: "r-1" });
    child.info("one");
    child.debug("two", { n: 2 });
    expect(infos()).toEqual([expect.objectContaining({ level: "info", msg: "one", svc: "edge", requestId: "r-1" })]);
    expect(debugs()).toEqual([expect.objectContaining({ level: "debug", msg: "two", svc: "edge", requestId: "r-1", n: 2 })]);
  });
});
