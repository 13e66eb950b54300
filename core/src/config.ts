// The core's one config loader: environment variables, validated by zod at start-up. A bad variable
// stops the process with a message naming it, before any port is opened.
import { createHmac } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { limits } from "../../shared/limits.ts";
import type { BlobConfig } from "./store/open-blobs.ts";
import type { UpstashConfig } from "./store/upstash.ts";
import { CLAMD_ADDRESS_FORMAT, parseClamdAddress, type ClamdAddress } from "./clamd-address.ts";
import { parseDuration, parseSize } from "./units.ts";

const port = z.coerce
  .number({ message: "must be a port number" })
  .int("must be a whole number")
  .min(0, "must be between 0 and 65535")
  .max(65535, "must be between 0 and 65535");
const bytes = z.string().transform((value, ctx) => {
  const n = parseSize(value);
  if (n === null) {
    ctx.addIssue({ code: "custom", message: "must be a size such as 26214400, 25M or 5G" });
    return z.NEVER;
  }
  return n;
});

const duration = z.string().transform((value, ctx) => {
  const n = parseDuration(value);
  if (n === null) {
    ctx.addIssue({ code: "custom", message: "must be a duration such as 300, 90s, 30m, 12h or 5d" });
    return z.NEVER;
  }
  return n;
});

/** `host:port` (IPv6 in brackets). */
function hostPort(value: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[3]) > 65535) return null;
  return { host: (m[1] ?? m[2])!, port: Number(m[3]) };
}

/** `example.net=127.0.0.1:2626,…` — Postfix's transport_maps: these domains go to that host, no MX lookup. */
const transportMap = z.string().transform((value, ctx) => {
  const map = new Map<string, { host: string; port: number }>();
  for (const part of value.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    const target = eq > 0 ? hostPort(part.slice(eq + 1)) : null;
    if (!target) {
      ctx.addIssue({ code: "custom", message: `"${part}" is not domain=host:port` });
      return z.NEVER;
    }
    map.set(part.slice(0, eq).trim().toLowerCase(), target);
  }
  return map;
});

/** `ip[:port],…` — the DNS servers every lookup of the service goes through. */
const dnsServers = z.string().transform((value, ctx) => {
  const servers = value.split(",").map((p) => p.trim()).filter(Boolean);
  for (const server of servers) {
    if (!/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]+)$/.test(server)) {
      ctx.addIssue({ code: "custom", message: `"${server}" is not ip[:port]` });
      return z.NEVER;
    }
  }
  return servers;
});

/** `name=url,name=url` — the shard map. Order does not matter: placement is by rendezvous hashing. */
const shardMap = z.string().transform((value, ctx) => {
  const shards: { name: string; url: string }[] = [];
  for (const part of value.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    const url = part.slice(eq + 1).trim();
    if (eq <= 0 || !/^[a-z0-9_-]{1,32}$/.test(name) || !/^(file:|libsql:|https?:|wss?:)/.test(url)) {
      ctx.addIssue({ code: "custom", message: `"${part}" is not name=url (url starting file:, libsql:, http(s):)` });
      return z.NEVER;
    }
    if (shards.some((s) => s.name === name)) {
      ctx.addIssue({ code: "custom", message: `shard name "${name}" is used twice` });
      return z.NEVER;
    }
    shards.push({ name, url });
  }
  if (shards.length === 0) ctx.addIssue({ code: "custom", message: "needs at least one shard" });
  return shards;
});

/** `eu=http://10.1.0.5:8788,eu=http://10.1.0.6:8788,…`: other regions' cores, each named by its region
 * (a region with several cores is named once per core). */
const regionPeers = z.string().transform((value, ctx) => {
  const peers: Record<string, string[]> = {};
  for (const part of value.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    const url = part.slice(eq + 1).trim();
    if (eq <= 0 || !/^[a-z0-9-]{1,32}$/.test(name) || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      ctx.addIssue({ code: "custom", message: `"${part}" is not region=url (an http(s) URL of that region's core API)` });
      return z.NEVER;
    }
    (peers[name] ??= []).push(new URL(url).origin);
  }
  return peers;
});

const schema = z.object({
  DATA_DIR: z.string().default("./data"),
  REGION: z.string().regex(/^[a-z0-9-]{1,32}$/, "must be a region name like local or eu-west").default("local"),
  /** `npm start` only: run these regions side by side (the first is the default), e.g. `us,eu`. */
  REGIONS: z
    .string()
    .transform((value, ctx) => {
      const names = value.split(",").map((r) => r.trim()).filter(Boolean);
      const bad = names.find((r) => !/^[a-z0-9-]{1,32}$/.test(r));
      if (bad || names.length === 0 || new Set(names).size !== names.length) {
        ctx.addIssue({ code: "custom", message: "must be distinct region names like us,eu" });
        return z.NEVER;
      }
      return names;
    })
    .optional(),
  /** The global directory (address pointer → home region; which regions serve a domain), shared by all
   * regions; unset: one region, whose own directory is the only one. */
  GLOBAL_DIRECTORY_URL: z.string().regex(/^(file:|libsql:|https?:|wss?:)/, "must be a libSQL URL").optional(),
  GLOBAL_DIRECTORY_REPLICA_URL: z.string().regex(/^(libsql:|https?:|wss?:)/, "must be a libSQL server URL (libsql:, http(s):)").optional(),
  /** The cores of the other regions, for mail the MX receives for their users (region=url,…). */
  REGION_PEERS: regionPeers.optional(),
  HOSTNAME: z.string().min(1).default("localhost"),
  SMTP_HOST: z.string().default("127.0.0.1"),
  SMTP_PORT: port.default(2525),
  /** The MX's pause before its greeting, to catch clients that talk first (spam bots); 0 greets at once,
   * as Postfix does without postscreen. 100 is smtp-server's own fixed pause. */
  SMTP_GREETING_PAUSE_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  SMTP_RECIPIENT_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
  API_HOST: z.string().default("127.0.0.1"),
  API_PORT: port.default(8788),
  /** The URLs the edge calls this core's API by (its entries in the edge's CORE_URLS), comma-separated;
   * requests signed for any other origin are refused. Unset: http://API_HOST:API_PORT. */
  API_URLS: z
    .string()
    .transform((value, ctx) => {
      const urls = value.split(",").map((u) => u.trim()).filter(Boolean);
      const origins: string[] = [];
      for (const u of urls) {
        const url = URL.canParse(u) ? new URL(u) : null;
        if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== "/" || url.search || url.hash || url.username) {
          ctx.addIssue({ code: "custom", message: `"${u}" is not an origin such as https://core-1.eu.example.com or http://10.0.0.5:8788` });
          return z.NEVER;
        }
        origins.push(url.origin);
      }
      if (origins.length === 0) ctx.addIssue({ code: "custom", message: "needs at least one URL" });
      return origins;
    })
    .optional(),
  SUBMISSION_HOST: z.string().default("127.0.0.1"),
  SUBMISSION_PORT: port.default(2587),
  DNS_SERVERS: dnsServers.optional(),
  TRANSPORT_MAP: transportMap.optional(),
  SMART_HOST: z
    .string()
    .transform((v, ctx) => hostPort(v) ?? (ctx.addIssue({ code: "custom", message: "must be host:port" }), z.NEVER))
    .optional(),
  SMART_HOST_USER: z.string().optional(),
  SMART_HOST_PASSWORD: z.string().optional(),
  /** SMTP transactions the delivery agent runs at once (Postfix's default_process_limit). */
  OUTBOUND_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Of those, at most this many to one destination: one domain's MX hosts, or the transport map's or
   * smart host's host (Postfix's default_destination_concurrency_limit). */
  OUTBOUND_DESTINATION_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(20),
  /** Recipients a user may send to per UTC day. */
  SEND_DAILY_LIMIT: z.coerce.number().int().min(1).default(1000),
  /** How long a message is retried before it bounces. */
  QUEUE_LIFETIME: duration.default(5 * 86_400_000),
  QUEUE_URL: z.string().regex(/^(file:|libsql:|https?:|wss?:)/, "must be a libSQL URL").optional(),
  /** This core's spool; each core of a region has its own (the shards, directory and bucket are shared). */
  SPOOL_DIR: z.string().optional(),
  /** Several cores on one host share the SMTP and submission ports (SO_REUSEPORT: the kernel spreads
   * the connections over them). */
  REUSE_PORT: z.enum(["true", "false"]).default("false"),
  /** `npm start` only: how many core processes the region runs (each with its own spool and queue). */
  CORES: z.coerce.number().int().min(1).max(16).default(1),
  /** `npm start` only: run redis-server (under DATA_DIR/redis) with our Upstash REST front and give the
   * cores UPSTASH_REDIS_REST_URL/_TOKEN. Default: on with CORES > 1, off with one core. */
  LOCAL_REDIS: z.enum(["true", "false"], { message: "must be true or false" }).optional(),
  /** Deliver to MX hosts on private or loopback addresses (off: a hostile domain could aim its MX at us). */
  ALLOW_PRIVATE_MX: z.enum(["true", "false"]).default("false"),
  /** Where `npm start` runs the edge (core/src/local-edge.ts). */
  EDGE_HOST: z.string().default("127.0.0.1"),
  EDGE_PORT: port.default(8787),
  /** A port for Chrome DevTools (the V8 inspector) on npm start's edge worker; unset: none, as in production. */
  EDGE_INSPECTOR_PORT: port.optional(),
  /** The edge this core pushes mailbox events to (POST /internal/v1/events); unset: nothing is pushed. */
  EDGE_URL: z
    .url({ protocol: /^https?$/, message: "must be an http(s) URL such as https://mail.example.com" })
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  /** How long mailbox events stay in the shards for readers that missed a notification. */
  EVENT_RETENTION: duration.default(48 * 3_600_000),
  /** After a start, events of this last stretch are pushed again: a crash between a commit and its
   * notification must not lose the notification (the edge ignores seqs it already has). */
  EVENT_REPUSH_WINDOW: duration.default(10 * 60_000),
  /** Pipeline batches between preparing and filing at once while batches are small (their R2 puts
   * overlap); 1: one batch at a time (measured better on npm start's local R2, README). */
  PIPELINE_STAGED_BATCHES: z.coerce.number().int().min(1).max(16).default(1),
  /** Event pushes in flight at once, each for users the others do not carry; 1: one at a time. */
  EVENT_PUSH_REQUESTS: z.coerce.number().int().min(1).max(16).default(1),
  MAX_MESSAGE_BYTES: bytes.default(limits.maxMessageBytes),
  DEFAULT_QUOTA_BYTES: bytes.default(5 * 1024 ** 3),
  SHARD_COUNT: z.coerce.number().int().min(1).max(1024).default(4),
  /** `npm start` only: `sqld` runs the shards and the directory on local sqld servers (a primary and a
   * replica each, under DATA_DIR/sqld) instead of files. Production names its servers in SHARDS. */
  SHARD_SERVER: z.enum(["file", "sqld"], { message: "must be file or sqld" }).default("file"),
  SHARDS: shardMap.optional(),
  /** `name=url,…`: a read replica of each named shard (sqld `--primary-grpc-url`, or a Turso replica),
   * for the reads that may lag (README "Shards on sqld"); a shard without one reads from its primary. */
  SHARD_REPLICAS: shardMap.optional(),
  /** How often each isolate of a core looks in the directory for shards added with `shard add`. */
  SHARD_MAP_POLL: duration.default(2_000),
  DIRECTORY_URL: z.string().regex(/^(file:|libsql:|https?:|wss?:)/, "must be a libSQL URL").optional(),
  DIRECTORY_REPLICA_URL: z.string().regex(/^(libsql:|https?:|wss?:)/, "must be a libSQL server URL (libsql:, http(s):)").optional(),
  LIBSQL_AUTH_TOKEN: z.string().optional(),
  /** A libSQL database the region's cores share the nonces of signed requests in; unset: each core's memory. */
  REPLAY_STORE_URL: z.string().regex(/^(file:|libsql:|https?:|wss?:)/, "must be a libSQL URL").optional(),
  /** The region's Redis through the Upstash REST protocol (Upstash's own variable names): the cores
   * share the nonces of signed requests and the login counts there. Not with REPLAY_STORE_URL. */
  UPSTASH_REDIS_REST_URL: z
    .url({ protocol: /^https?$/, message: "must be the database's REST URL, such as https://<name>.upstash.io" })
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
  INTERNAL_SIGNING_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  TLS_KEY_FILE: z.string().optional(),
  TLS_CERT_FILE: z.string().optional(),
  /** Where blobs (raw mail, attachments) live: `local`, the R2 emulator of `wrangler dev`, in a process
   * beside the core; `s3`, R2 (or another S3-compatible store) through its S3 API. */
  BLOB_STORE: z.enum(["local", "s3"], { message: 'must be "local" or "s3"' }).default("local"),
  /** Where the local R2 emulation keeps its state; `npm start`'s edge (local-edge.ts) keeps its own there too. */
  R2_PERSIST_DIR: z.string().optional(),
  /** A local R2 emulator already running (npm start's edge serves one); unset: the core starts its own. */
  LOCAL_R2_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
  /** The S3 API's origin; for R2, R2_ACCOUNT_ID (and R2_JURISDICTION) can name it instead. */
  S3_ENDPOINT: z.url({ protocol: /^https?$/, message: "must be an http(s) URL such as https://<account>.r2.cloudflarestorage.com" }).optional(),
  R2_ACCOUNT_ID: z.string().regex(/^[0-9a-f]{32}$/, "must be a Cloudflare account id (32 hex digits)").optional(),
  /** Buckets in a jurisdiction are reached at <account>.<jurisdiction>.r2.cloudflarestorage.com. */
  R2_JURISDICTION: z.enum(["eu", "fedramp"], { message: 'must be "eu" or "fedramp" (unset: the default jurisdiction)' }).optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a bucket name (3-63 lowercase letters, digits, dots, hyphens)").optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** The SigV4 region: R2 uses "auto". */
  S3_REGION: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a region such as "auto" or "us-east-1"').default("auto"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** clamd to scan mail with (INSTREAM); unset: nothing is scanned and messages are marked unscanned. */
  CLAMD_ADDRESS: z
    .string()
    .transform((v, ctx) => parseClamdAddress(v) ?? (ctx.addIssue({ code: "custom", message: `must be ${CLAMD_ADDRESS_FORMAT}` }), z.NEVER))
    .optional(),
  /** Score from which inbound mail goes to Junk and outgoing mail is held. */
  SPAM_THRESHOLD: z.coerce.number().min(0.1).max(1000).default(5),
  /** DNS blocklists asked about each connecting IPv4 address, e.g. `zen.spamhaus.org` (none by default:
   * most need a subscription, and lookups must go through a resolver they allow). */
  DNSBL_ZONES: z
    .string()
    .transform((v, ctx) => {
      const zones = v.split(",").map((z) => z.trim().toLowerCase()).filter(Boolean);
      const bad = zones.find((z) => !/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(z));
      return bad ? (ctx.addIssue({ code: "custom", message: `"${bad}" is not a DNS zone` }), z.NEVER) : zones;
    })
    .optional(),
  /** The key of forwarded mail's rewritten sender addresses (SRS); defaults to one derived from
   * INTERNAL_SIGNING_SECRET. Changing it breaks the return path of bounces to mail forwarded before. */
  SRS_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
});

export interface Config {
  dataDir: string;
  region: string;
  /** REGIONS (npm start), or null: the one region REGION. */
  regions: string[] | null;
  /** Null: no other region (the one-region deployment). */
  global: { url: string; replicaUrl: string | undefined; peers: Record<string, string[]> } | null;
  hostname: string;
  smtp: { host: string; port: number; greetingPauseMs: number; recipientCacheSeconds: number; tls: { keyFile: string; certFile: string } | null };
  /** `urls`: API_URLS as origins; null: the API's own address once it listens. */
  api: { host: string; port: number; urls: string[] | null };
  submission: { host: string; port: number };
  edge: { host: string; port: number; inspectorPort: number | null };
  events: { edgeUrl: string | null; retentionMs: number; repushWindowMs: number; pushRequests: number };
  pipeline: { stagedBatches: number };
  outbound: {
    dnsServers: string[] | null;
    transportMap: Map<string, { host: string; port: number }>;
    smartHost: { host: string; port: number; user: string | undefined; password: string | undefined } | null;
    allowPrivateMx: boolean;
    queueLifetimeMs: number;
    concurrency: number;
    destinationConcurrency: number;
  };
  sendDailyLimit: number;
  queueUrl: string;
  maxMessageBytes: number;
  defaultQuotaBytes: number;
  shards: { name: string; url: string; replicaUrl?: string }[];
  /** SHARD_MAP_POLL: the look for shards added to the directory's map (store/shard-map.ts). */
  shardMapPollMs: number;
  directoryUrl: string;
  directoryReplicaUrl: string | undefined;
  libsqlAuthToken: string | undefined;
  /** What `npm start` runs the shards and directory on (SHARD_SERVER). */
  localShardServer: "file" | "sqld";
  /** REPLAY_STORE_URL, or null: signed requests' nonces are kept in each core's memory (or Redis). */
  replayStoreUrl: string | null;
  /** UPSTASH_REDIS_REST_URL and _TOKEN, or null: nonces and login counts stay in each core (or in REPLAY_STORE_URL). */
  redis: UpstashConfig | null;
  internalSigningSecret: string;
  blobs: BlobConfig;
  spoolDir: string;
  reusePort: boolean;
  /** `npm start`'s core processes. */
  cores: number;
  /** `npm start` runs redis-server and the Upstash REST front for its cores (LOCAL_REDIS). */
  localRedis: boolean;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  protection: { clamd: ClamdAddress | null; spamThreshold: number; dnsblZones: string[]; srsSecret: string };
}

/** The blob store's settings: a BLOB_STORE=s3 without what it needs stops the start, naming the variables. */
function blobConfig(e: z.infer<typeof schema>, dataDir: string): BlobConfig {
  if (e.BLOB_STORE === "local") {
    return { kind: "local", url: e.LOCAL_R2_URL?.replace(/\/+$/, "") ?? null, persistDir: path.resolve(e.R2_PERSIST_DIR ?? path.join(dataDir, "edge", "v3")) };
  }
  const problems: string[] = [];
  for (const name of ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const) {
    if (!e[name]) problems.push(`${name}: is required when BLOB_STORE=s3`);
  }
  if (e.S3_ENDPOINT && e.R2_ACCOUNT_ID) problems.push("S3_ENDPOINT and R2_ACCOUNT_ID: set one (R2_ACCOUNT_ID names R2's endpoint), not both");
  else if (!e.S3_ENDPOINT && !e.R2_ACCOUNT_ID) problems.push("S3_ENDPOINT: is required when BLOB_STORE=s3 (or R2_ACCOUNT_ID, for R2)");
  if (e.R2_JURISDICTION && !e.R2_ACCOUNT_ID) problems.push("R2_JURISDICTION: needs R2_ACCOUNT_ID (with S3_ENDPOINT, put the jurisdiction in the URL)");
  if (problems.length) throw new ConfigError(problems);
  const endpoint = e.S3_ENDPOINT
    ? e.S3_ENDPOINT.replace(/\/+$/, "")
    : `https://${e.R2_ACCOUNT_ID}${e.R2_JURISDICTION ? `.${e.R2_JURISDICTION}` : ""}.r2.cloudflarestorage.com`;
  return { kind: "s3", endpoint, bucket: e.S3_BUCKET!, accessKeyId: e.S3_ACCESS_KEY_ID!, secretAccessKey: e.S3_SECRET_ACCESS_KEY!, region: e.S3_REGION };
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** `cli` is for the admin CLI, which works on the stores directly and serves nothing, so it needs no secret. */
export function loadConfig(env: Record<string, string | undefined> = process.env, role: "core" | "cli" = "core"): Config {
  // Empty strings count as unset, so `FOO= npm start` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "?");
        const given = present[name];
        return `${name}: ${issue.message}${given !== undefined && !/SECRET|PASSWORD|TOKEN/.test(name) ? ` (got "${given}")` : ""}`;
      }),
    );
  }
  const e = parsed.data;
  if (role === "core" && !e.INTERNAL_SIGNING_SECRET) {
    throw new ConfigError([
      "INTERNAL_SIGNING_SECRET: is required: the HMAC secret the edge signs its requests to the core with (32+ characters, the same on both tiers). `npm start` makes one for local use.",
    ]);
  }
  if (Boolean(e.SMART_HOST_USER) !== Boolean(e.SMART_HOST_PASSWORD)) {
    throw new ConfigError(["SMART_HOST_USER and SMART_HOST_PASSWORD: set both to authenticate at the smart host, or neither"]);
  }
  if (e.EVENT_REPUSH_WINDOW > e.EVENT_RETENTION) {
    throw new ConfigError(["EVENT_REPUSH_WINDOW: must not be longer than EVENT_RETENTION (events older than that are gone)"]);
  }
  if (role === "core" && !e.API_URLS && /^(0\.0\.0\.0|::|\[::\])$/.test(e.API_HOST)) {
    throw new ConfigError([`API_URLS: is required when API_HOST is ${e.API_HOST} (every address): name the URL(s) the edge calls this core by, as in its CORE_URLS`]);
  }
  if (Boolean(e.UPSTASH_REDIS_REST_URL) !== Boolean(e.UPSTASH_REDIS_REST_TOKEN)) {
    throw new ConfigError(["UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN: set both to share nonces and login counts in Redis, or neither"]);
  }
  if (e.UPSTASH_REDIS_REST_URL && e.REPLAY_STORE_URL) {
    throw new ConfigError(["REPLAY_STORE_URL and UPSTASH_REDIS_REST_URL: set one shared nonce store, not both (Redis also shares the login counts; REPLAY_STORE_URL is for a region without it)"]);
  }
  if (e.REGION_PEERS && !e.GLOBAL_DIRECTORY_URL) {
    throw new ConfigError(["REGION_PEERS: needs GLOBAL_DIRECTORY_URL (which region an address is homed in)"]);
  }
  if (e.REGION_PEERS?.[e.REGION]) throw new ConfigError([`REGION_PEERS: names this core's own region ${e.REGION}`]);
  if (Boolean(e.TLS_KEY_FILE) !== Boolean(e.TLS_CERT_FILE)) {
    throw new ConfigError(["TLS_KEY_FILE and TLS_CERT_FILE: set both to offer STARTTLS, or neither"]);
  }
  const blobs = blobConfig(e, path.resolve(e.DATA_DIR));
  const dataDir = path.resolve(e.DATA_DIR);
  const primaries =
    e.SHARDS ??
    Array.from({ length: e.SHARD_COUNT }, (_, i) => ({ name: `s${i}`, url: `file:${path.join(dataDir, "shards", `s${i}.db`)}` }));
  const strayReplica = e.SHARD_REPLICAS?.find((r) => !primaries.some((p) => p.name === r.name));
  if (strayReplica) throw new ConfigError([`SHARD_REPLICAS: shard "${strayReplica.name}" is not in the shard map (SHARDS)`]);
  const replicaFile = e.SHARD_REPLICAS?.find((r) => r.url.startsWith("file:"));
  if (replicaFile) throw new ConfigError([`SHARD_REPLICAS: the replica of "${replicaFile.name}" must be a libSQL server URL (libsql:, http(s):), not a file`]);
  const shards = primaries.map((p) => {
    const replicaUrl = e.SHARD_REPLICAS?.find((r) => r.name === p.name)?.url;
    return replicaUrl ? { ...p, replicaUrl } : p;
  });
  return {
    dataDir,
    region: e.REGION,
    regions: e.REGIONS ?? null,
    global: e.GLOBAL_DIRECTORY_URL ? { url: e.GLOBAL_DIRECTORY_URL, replicaUrl: e.GLOBAL_DIRECTORY_REPLICA_URL, peers: e.REGION_PEERS ?? {} } : null,
    hostname: e.HOSTNAME,
    smtp: {
      host: e.SMTP_HOST,
      port: e.SMTP_PORT,
      greetingPauseMs: e.SMTP_GREETING_PAUSE_MS,
      recipientCacheSeconds: e.SMTP_RECIPIENT_CACHE_SECONDS,
      tls: e.TLS_KEY_FILE && e.TLS_CERT_FILE ? { keyFile: e.TLS_KEY_FILE, certFile: e.TLS_CERT_FILE } : null,
    },
    api: { host: e.API_HOST, port: e.API_PORT, urls: e.API_URLS ?? null },
    submission: { host: e.SUBMISSION_HOST, port: e.SUBMISSION_PORT },
    edge: { host: e.EDGE_HOST, port: e.EDGE_PORT, inspectorPort: e.EDGE_INSPECTOR_PORT ?? null },
    events: { edgeUrl: e.EDGE_URL ?? null, retentionMs: e.EVENT_RETENTION, repushWindowMs: e.EVENT_REPUSH_WINDOW, pushRequests: e.EVENT_PUSH_REQUESTS },
    pipeline: { stagedBatches: e.PIPELINE_STAGED_BATCHES },
    outbound: {
      dnsServers: e.DNS_SERVERS ?? null,
      transportMap: e.TRANSPORT_MAP ?? new Map(),
      smartHost: e.SMART_HOST ? { ...e.SMART_HOST, user: e.SMART_HOST_USER, password: e.SMART_HOST_PASSWORD } : null,
      allowPrivateMx: e.ALLOW_PRIVATE_MX === "true",
      queueLifetimeMs: e.QUEUE_LIFETIME,
      concurrency: e.OUTBOUND_CONCURRENCY,
      destinationConcurrency: Math.min(e.OUTBOUND_DESTINATION_CONCURRENCY, e.OUTBOUND_CONCURRENCY),
    },
    sendDailyLimit: e.SEND_DAILY_LIMIT,
    queueUrl: e.QUEUE_URL ?? `file:${path.join(dataDir, "queue.db")}`,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    defaultQuotaBytes: e.DEFAULT_QUOTA_BYTES,
    shards,
    shardMapPollMs: e.SHARD_MAP_POLL,
    directoryUrl: e.DIRECTORY_URL ?? `file:${path.join(dataDir, "directory.db")}`,
    directoryReplicaUrl: e.DIRECTORY_REPLICA_URL,
    libsqlAuthToken: e.LIBSQL_AUTH_TOKEN,
    localShardServer: e.SHARD_SERVER,
    replayStoreUrl: e.REPLAY_STORE_URL ?? null,
    redis: e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN ? { url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN } : null,
    internalSigningSecret: e.INTERNAL_SIGNING_SECRET ?? "",
    blobs,
    spoolDir: path.resolve(e.SPOOL_DIR ?? path.join(dataDir, "spool")),
    reusePort: e.REUSE_PORT === "true",
    cores: e.CORES,
    localRedis: e.LOCAL_REDIS ? e.LOCAL_REDIS === "true" : e.CORES > 1,
    logLevel: e.LOG_LEVEL,
    protection: {
      clamd: e.CLAMD_ADDRESS ?? null,
      spamThreshold: e.SPAM_THRESHOLD,
      dnsblZones: e.DNSBL_ZONES ?? [],
      srsSecret: e.SRS_SECRET ?? createHmac("sha256", e.INTERNAL_SIGNING_SECRET ?? "").update("edgemail srs").digest("base64url"),
    },
  };
}
