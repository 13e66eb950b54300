import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const secret = { INTERNAL_SIGNING_SECRET: "x".repeat(32) };

describe("config", () => {
  it("has working defaults", () => {
    const c = loadConfig({ ...secret });
    expect(c.smtp).toMatchObject({ host: "127.0.0.1", port: 2525, tls: null });
    expect(c.api).toEqual({ host: "127.0.0.1", port: 8788 });
    expect(c.shards.map((s) => s.name)).toEqual(["s0", "s1", "s2", "s3"]);
    expect(c.maxMessageBytes).toBe(25 * 1024 * 1024);
  });

  it("reads sizes and a shard map as operators write them", () => {
    const c = loadConfig({ ...secret, MAX_MESSAGE_BYTES: "10M", DEFAULT_QUOTA_BYTES: "2G", SHARDS: "a=libsql://a.example,b=file:/tmp/b.db" });
    expect(c.maxMessageBytes).toBe(10 * 1024 * 1024);
    expect(c.defaultQuotaBytes).toBe(2 * 1024 ** 3);
    expect(c.shards).toEqual([
      { name: "a", url: "libsql://a.example" },
      { name: "b", url: "file:/tmp/b.db" },
    ]);
  });

  it("pairs shards with their replicas by name, and refuses a replica of no shard or a file as one", () => {
    const c = loadConfig({
      ...secret,
      SHARDS: "a=libsql://a.example,b=libsql://b.example",
      SHARD_REPLICAS: "a=libsql://a-replica.example",
      DIRECTORY_URL: "libsql://dir.example",
      DIRECTORY_REPLICA_URL: "libsql://dir-replica.example",
    });
    expect(c.shards).toEqual([
      { name: "a", url: "libsql://a.example", replicaUrl: "libsql://a-replica.example" },
      { name: "b", url: "libsql://b.example" },
    ]);
    expect(c.directoryReplicaUrl).toBe("libsql://dir-replica.example");
    expect(() => loadConfig({ ...secret, SHARDS: "a=libsql://a.example", SHARD_REPLICAS: "c=libsql://c.example" })).toThrow(/SHARD_REPLICAS: shard "c" is not in the shard map/);
    expect(() => loadConfig({ ...secret, SHARDS: "a=libsql://a.example", SHARD_REPLICAS: "a=file:/tmp/a.db" })).toThrow(/SHARD_REPLICAS: the replica of "a" must be a libSQL server URL/);
    expect(() => loadConfig({ ...secret, SHARD_SERVER: "postgres" })).toThrow(/SHARD_SERVER: must be file or sqld/);
  });

  it("names every bad variable", () => {
    const err = (() => {
      try {
        loadConfig({ ...secret, SMTP_PORT: "smtp", MAX_MESSAGE_BYTES: "big", SHARDS: "nourl", TLS_KEY_FILE: "k.pem" });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems.join("\n")).toMatch(/SMTP_PORT: .*\(got "smtp"\)/);
    expect(err!.problems.join("\n")).toMatch(/MAX_MESSAGE_BYTES: must be a size/);
    expect(err!.problems.join("\n")).toMatch(/SHARDS: "nourl" is not name=url/);
  });

  it("reads the event settings: no edge by default, durations as operators write them", () => {
    const c = loadConfig({ ...secret });
    expect(c.events).toEqual({ edgeUrl: null, retentionMs: 48 * 3_600_000, repushWindowMs: 10 * 60_000 });
    const set = loadConfig({ ...secret, EDGE_URL: "https://edge.example.com/", EVENT_RETENTION: "7d", EVENT_REPUSH_WINDOW: "1h" });
    expect(set.events).toEqual({ edgeUrl: "https://edge.example.com", retentionMs: 7 * 86_400_000, repushWindowMs: 3_600_000 });
    expect(() => loadConfig({ ...secret, EDGE_URL: "ftp://edge.example.com" })).toThrow(/EDGE_URL: must be an http\(s\) URL/);
    expect(() => loadConfig({ ...secret, EVENT_RETENTION: "soon" })).toThrow(/EVENT_RETENTION: must be a duration/);
    expect(() => loadConfig({ ...secret, EVENT_RETENTION: "5m" })).toThrow(/EVENT_REPUSH_WINDOW: must not be longer than EVENT_RETENTION/);
  });

  it("requires the signing secret for the core, not for the CLI, and never prints it", () => {
    expect(() => loadConfig({})).toThrow(/INTERNAL_SIGNING_SECRET: is required/);
    expect(loadConfig({}, "cli").smtp.port).toBe(2525);
    try {
      loadConfig({ INTERNAL_SIGNING_SECRET: "short-secret-value" });
    } catch (e) {
      expect((e as Error).message).not.toContain("short-secret-value");
    }
  });
});
