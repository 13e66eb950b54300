// Our Upstash REST front (local-upstash.ts) before a real redis-server, spoken to by the client the
// cores use, @upstash/redis, as it speaks to Upstash: one command, a pipeline, a transaction, scripts,
// base64-encoded results (its default) and a wrong token.
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_MISSING, startTestRedis, type TestRedis } from "../../test/support/redis.ts";

let redis: TestRedis;
let client: Redis;
const open = (token: string, responseEncoding: false | "base64" = "base64") =>
  new Redis({ url: redis.front.url, token, responseEncoding, enableTelemetry: false, retry: false, enableAutoPipelining: false });

describe.skipIf(REDIS_MISSING)(`the Upstash REST front ${REDIS_MISSING ?? ""}`, () => {
  beforeAll(async () => {
    redis = await startTestRedis();
    client = open(redis.token);
  });
  afterAll(() => redis?.stop());

  it("SET NX takes a key once, and an absolute expiry (PXAT) ends it", async () => {
    const at = Date.now() + 300;
    expect(await client.set("nonce:a", "1", { nx: true, pxat: at })).toBe("OK");
    expect(await client.set("nonce:a", "1", { nx: true, pxat: at })).toBeNull();
    const ttl = await client.pttl("nonce:a");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await new Promise((r) => setTimeout(r, 350));
    expect(await client.get("nonce:a")).toBeNull();
    expect(await client.set("nonce:a", "1", { nx: true, pxat: Date.now() + 1000 })).toBe("OK");
  });

  it("counts with INCR and runs Lua with EVAL and EVALSHA (script cache miss, then hit)", async () => {
    expect(await client.incr("count")).toBe(1);
    expect(await client.incrby("count", 41)).toBe(42);
    expect(await client.eval("return {redis.call('INCR', KEYS[1]), ARGV[1]}", ["count"], ["x"])).toEqual([43, "x"]);
    const script = client.createScript<number>("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    await client.scriptFlush();
    expect(await script.exec(["count"], ["7"])).toBe(50);
    expect(await script.evalsha(["count"], ["1"])).toBe(51);
  });

  it("answers a pipeline in order, each command's error in its place, and a transaction", async () => {
    const p = client.pipeline();
    p.set("p:1", "one");
    p.incr("p:1"); // not a number: an error for this command only
    p.get("p:1");
    const results = await p.exec({ keepErrors: true });
    expect(results.map((r) => r.error ?? r.result)).toEqual(["OK", "ERR value is not an integer or out of range", "one"]);
    const tx = client.multi();
    tx.incr("t:1");
    tx.incr("t:1");
    tx.hset("t:h", { a: "1", b: "2" });
    tx.hgetall("t:h");
    expect(await tx.exec()).toEqual([1, 2, 2, { a: 1, b: 2 }]);
  });

  it("carries any bytes with Upstash-Encoding: base64, and plain JSON without it", async () => {
    const value = "ünïcødé ✉ \u0000 \"quoted\" {json?";
    await client.set("bytes", value);
    expect(await client.get("bytes")).toBe(value);
    expect(await client.echo("PONG-like")).toBe("PONG-like");
    const plain = open(redis.token, false);
    expect(await plain.get("bytes")).toBe(value);
    const raw = await fetch(redis.front.url, { method: "POST", headers: { authorization: `Bearer ${redis.token}`, "upstash-encoding": "base64" }, body: JSON.stringify(["GET", "bytes"]) });
    expect(((await raw.json()) as { result: string }).result).toBe(Buffer.from(value).toString("base64"));
  });

  it("refuses a wrong or missing token with 401, and a Redis error is a 400 naming it", async () => {
    await expect(open("wrong-token").get("bytes")).rejects.toThrow(/Unauthorized/);
    expect((await fetch(redis.front.url, { method: "POST", body: JSON.stringify(["GET", "bytes"]) })).status).toBe(401);
    const bad = await fetch(redis.front.url, { method: "POST", headers: { authorization: `Bearer ${redis.token}` }, body: JSON.stringify(["NOSUCHCOMMAND"]) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^ERR unknown command/);
    await expect(client.get("bytes")).resolves.toBeTruthy();
  });

  it("answers 503 while redis-server is down, and serves again once it is back", async () => {
    await redis.kill();
    const down = await fetch(redis.front.url, { method: "POST", headers: { authorization: `Bearer ${redis.token}` }, body: JSON.stringify(["PING"]) });
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("1");
    await redis.restart();
    const deadline = Date.now() + 10_000;
    while ((await client.ping().catch(() => null)) !== "PONG") {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
