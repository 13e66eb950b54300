import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const secret = { INTERNAL_SIGNING_SECRET: "x".repeat(32) };

describe("config", () => {
  it("has working defaults", () => {
    const c = loadConfig({ ...secret });
    expect(c.smtp).toMatchObject({ host: "127.0.0.1", port: 2525, tls: null });
    expect(c.api).toEqual({ host: "127.0.0.1", port: 8788, urls: null });
    expect(c.shards.map((s) => s.name)).toEqual(["s0", "s1", "s2", "s3"]);
    expect(c.maxMessageBytes).toBe(25 * 1024 * 1024);
  });

  it("takes the region's Redis by Upstash's variable names: both or neither, and not beside REPLAY_STORE_URL", () => {
    const upstash = { UPSTASH_REDIS_REST_URL: "https://eu-redis.upstash.io/", UPSTASH_REDIS_REST_TOKEN: "t0ken" };
    expect(loadConfig({ ...secret, ...upstash }).redis).toEqual({ url: "https://eu-redis.upstash.io", token: "t0ken" });
    expect(loadConfig({ ...secret }).redis).toBeNull();
    expect(() => loadConfig({ ...secret, UPSTASH_REDIS_REST_URL: upstash.UPSTASH_REDIS_REST_URL })).toThrow(/UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN: set both/);
    expect(() => loadConfig({ ...secret, ...upstash, REPLAY_STORE_URL: "file:/tmp/r.db" })).toThrow(/REPLAY_STORE_URL and UPSTASH_REDIS_REST_URL: set one/);
    expect(() => loadConfig({ ...secret, ...upstash, UPSTASH_REDIS_REST_URL: "redis://localhost:6379" })).toThrow(/UPSTASH_REDIS_REST_URL: must be the database's REST URL/);
    expect(loadConfig({ ...secret, CORES: "2" }).localRedis).toBe(true);
    expect(loadConfig({ ...secret, CORES: "2", LOCAL_REDIS: "false" }).localRedis).toBe(false);
    expect(loadConfig({ ...secret }).localRedis).toBe(false);
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

  it("reads the URLs the edge calls the core by as origins, and needs them when the API listens everywhere", () => {
    expect(loadConfig({ ...secret, API_URLS: "https://core-1.eu.example.com/, http://10.0.0.5:8788" }).api.urls).toEqual(["https://core-1.eu.example.com", "http://10.0.0.5:8788"]);
    expect(() => loadConfig({ ...secret, API_URLS: "https://core-1.eu.example.com/internal" })).toThrow(/API_URLS: "https:\/\/core-1.eu.example.com\/internal" is not an origin/);
    expect(() => loadConfig({ ...secret, API_HOST: "0.0.0.0" })).toThrow(/API_URLS: is required when API_HOST is 0.0.0.0/);
    expect(loadConfig({ ...secret, API_HOST: "0.0.0.0", API_URLS: "http://10.0.0.5:8788" }).api).toEqual({ host: "0.0.0.0", port: 8788, urls: ["http://10.0.0.5:8788"] });
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
    expect(c.events).toEqual({ edgeUrl: null, retentionMs: 48 * 3_600_000, repushWindowMs: 10 * 60_000, pushRequests: 1 });
    const set = loadConfig({ ...secret, EDGE_URL: "https://edge.example.com/", EVENT_RETENTION: "7d", EVENT_REPUSH_WINDOW: "1h", EVENT_PUSH_REQUESTS: "2" });
    expect(set.events).toEqual({ edgeUrl: "https://edge.example.com", retentionMs: 7 * 86_400_000, repushWindowMs: 3_600_000, pushRequests: 2 });
    expect(() => loadConfig({ ...secret, EVENT_PUSH_REQUESTS: "0" })).toThrow(/EVENT_PUSH_REQUESTS/);
    expect(c.pipeline).toEqual({ stagedBatches: 1 });
    expect(loadConfig({ ...secret, PIPELINE_STAGED_BATCHES: "4" }).pipeline).toEqual({ stagedBatches: 4 });
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

  it("keeps blobs in the local emulator by default, beside DATA_DIR's edge state", () => {
    const c = loadConfig({ ...secret, DATA_DIR: "/srv/mail" });
    expect(c.blobs).toEqual({ kind: "local", url: null, persistDir: "/srv/mail/edge/v3" });
    expect(loadConfig({ ...secret, LOCAL_R2_URL: "http://127.0.0.1:9000/" }).blobs).toMatchObject({ kind: "local", url: "http://127.0.0.1:9000" });
    expect(() => loadConfig({ ...secret, BLOB_STORE: "disk" })).toThrow(/BLOB_STORE: must be "local" or "s3" \(got "disk"\)/);
  });

  it("reads the S3 store: an endpoint, or R2's account and jurisdiction", () => {
    const keys = { BLOB_STORE: "s3", S3_BUCKET: "mail-blobs", S3_ACCESS_KEY_ID: "id", S3_SECRET_ACCESS_KEY: "very-secret" };
    expect(loadConfig({ ...secret, ...keys, S3_ENDPOINT: "https://s3.example.net/" }).blobs).toEqual({
      kind: "s3",
      endpoint: "https://s3.example.net",
      bucket: "mail-blobs",
      accessKeyId: "id",
      secretAccessKey: "very-secret",
      region: "auto",
    });
    const account = "0123456789abcdef0123456789abcdef";
    expect(loadConfig({ ...secret, ...keys, R2_ACCOUNT_ID: account }).blobs).toMatchObject({ endpoint: `https://${account}.r2.cloudflarestorage.com` });
    expect(loadConfig({ ...secret, ...keys, R2_ACCOUNT_ID: account, R2_JURISDICTION: "eu" }).blobs).toMatchObject({ endpoint: `https://${account}.eu.r2.cloudflarestorage.com` });
    expect(loadConfig({ ...secret, ...keys, R2_ACCOUNT_ID: account, R2_JURISDICTION: "fedramp", S3_REGION: "us-east-1" }).blobs).toMatchObject({
      endpoint: `https://${account}.fedramp.r2.cloudflarestorage.com`,
      region: "us-east-1",
    });
  });

  it("names what a BLOB_STORE=s3 lacks or gets wrong, and never prints the secret", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...secret, BLOB_STORE: "s3", ...env });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    expect(problems({})).toEqual([
      "S3_BUCKET: is required when BLOB_STORE=s3",
      "S3_ACCESS_KEY_ID: is required when BLOB_STORE=s3",
      "S3_SECRET_ACCESS_KEY: is required when BLOB_STORE=s3",
      "S3_ENDPOINT: is required when BLOB_STORE=s3 (or R2_ACCOUNT_ID, for R2)",
    ]);
    const keys = { S3_BUCKET: "b-1", S3_ACCESS_KEY_ID: "id", S3_SECRET_ACCESS_KEY: "sekrit!" };
    expect(problems({ ...keys, S3_ENDPOINT: "https://x.example", R2_ACCOUNT_ID: "0123456789abcdef0123456789abcdef" })).toEqual([
      "S3_ENDPOINT and R2_ACCOUNT_ID: set one (R2_ACCOUNT_ID names R2's endpoint), not both",
    ]);
    expect(problems({ ...keys, S3_ENDPOINT: "https://x.example", R2_JURISDICTION: "eu" })).toEqual([
      "R2_JURISDICTION: needs R2_ACCOUNT_ID (with S3_ENDPOINT, put the jurisdiction in the URL)",
    ]);
    expect(problems({ ...keys, R2_ACCOUNT_ID: "acme", R2_JURISDICTION: "us", S3_BUCKET: "Bad_Bucket", S3_ENDPOINT: "ftp://x" })).toEqual([
      'S3_ENDPOINT: must be an http(s) URL such as https://<account>.r2.cloudflarestorage.com (got "ftp://x")',
      'R2_ACCOUNT_ID: must be a Cloudflare account id (32 hex digits) (got "acme")',
      'R2_JURISDICTION: must be "eu" or "fedramp" (unset: the default jurisdiction) (got "us")',
      'S3_BUCKET: must be a bucket name (3-63 lowercase letters, digits, dots, hyphens) (got "Bad_Bucket")',
    ]);
    expect(problems({ ...keys }).join("\n")).not.toContain("sekrit!");
  });
});
