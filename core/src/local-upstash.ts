// Our own stand-in for Upstash's REST server, in front of a local redis-server, so the cores' Upstash
// client (@upstash/redis) runs here exactly as it runs against Upstash. Upstash's server is not
// available to run locally; this is a development and test tool (`npm start`, the tests, the
// benchmark), and it loads node-redis, a devDependency, only when started.
//
// What of the protocol it speaks — what @upstash/redis 1.x sends (its pkg/http.ts and pkg/pipeline.ts):
//  - POST /            a JSON array, one command: ["SET", "k", "v", "NX"] → 200 {"result": …}
//  - POST /pipeline    a JSON array of commands → 200 [{"result": …} | {"error": "…"}, …], in order
//  - POST /multi-exec  the same, as one MULTI … EXEC transaction
//  - Authorization: Bearer <token>; a missing or wrong token → 401 {"error": "Unauthorized"}
//  - Upstash-Encoding: base64 → every string in a result is base64 of its bytes, but the status "OK"
//    (the client decodes all other strings, and passes "OK" through)
//  - a Redis error reply → 400 {"error": "ERR …"} (in a pipeline, that command's {"error"}); Redis
//    unreachable → 503 {"error": …} with Retry-After
// Not covered: the path form (GET /set/k/v), `?_token=`, the read-your-writes sync token (the one
// redis-server has nothing to sync), streaming (SUBSCRIBE, MONITOR), and commands that block or change
// the connection's state (they would stall or alter the one connection every caller shares).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { RedisClientType } from "redis";
import { startRedisServer, type RedisServer } from "./local-redis.ts";

const REFUSED = new Set(["subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "monitor", "sync", "psync", "multi", "exec", "discard", "watch", "unwatch", "select", "auth", "hello", "reset", "quit", "client", "wait", "blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop", "shutdown"]);
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface UpstashFront {
  /** UPSTASH_REDIS_REST_URL. */
  url: string;
  port: number;
  close(): Promise<void>;
}

type Arg = string | Buffer;
type Reply = null | number | string | Buffer | Reply[];

class Refusal extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Listens on host:port (a free port when 0) and forwards to the Redis at `redisUrl`. */
export async function startUpstashFront(o: { redisUrl: string; token: string; host?: string; port?: number }): Promise<UpstashFront> {
  const { createClient, RESP_TYPES, ErrorReply } = await import("redis");
  // Offline, a command fails at once instead of waiting in node-redis's queue: the caller's request
  // gets its 503 now, and the client behind it decides what that means.
  // RESP2, as Upstash answers: a hash is a flat array, a double a string (node-redis defaults to RESP3).
  const base = createClient({ url: o.redisUrl, RESP: 2, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 500) } });
  base.on("error", () => {}); // reconnects by itself; each failed command is answered with 503
  await base.connect();
  // Bulk strings as bytes, so base64 carries binary values intact.
  const redis = base.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }) as unknown as RedisClientType;
  const expected = createHash("sha256").update(`Bearer ${o.token}`).digest();

  const run = (command: Arg[]): Promise<Reply> => {
    if (REFUSED.has(String(command[0]).toLowerCase())) return Promise.reject(new ErrorReply(`ERR ${String(command[0])} is not supported by this REST front`));
    return redis.sendCommand(command) as Promise<Reply>;
  };
  const failure = (err: unknown): { error: string } => {
    if (err instanceof ErrorReply) return { error: err.message };
    throw new Refusal(503, `Redis is unavailable: ${err instanceof Error ? err.message : String(err)}`);
  };

  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("error", () => res.destroy());
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => {
      void (async () => {
        const auth = createHash("sha256").update(req.headers.authorization ?? "").digest();
        if (!timingSafeEqual(auth, expected)) return answer(401, { error: "Unauthorized" });
        if (req.method !== "POST") return answer(405, { error: "ERR only POST with a JSON body is supported by this REST front" });
        if (size > MAX_BODY_BYTES) return answer(413, { error: "ERR request body too large" });
        const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
        const enc = (reply: Reply) => encode(reply, base64);
        const route = new URL(req.url ?? "/", "http://front").pathname.replace(/\/+$/, "");
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return answer(400, { error: "ERR the body is not JSON" });
        }
        try {
          if (route === "") {
            const command = asCommand(body);
            try {
              return answer(200, { result: enc(await run(command)) });
            } catch (err) {
              return answer(400, failure(err));
            }
          }
          if (route === "/pipeline" || route === "/multi-exec") {
            if (!Array.isArray(body) || body.length === 0) throw new Refusal(400, "ERR the body must be a non-empty array of commands");
            const commands = body.map(asCommand);
            if (route === "/pipeline") {
              // node-redis writes them in order on its one connection: a pipeline.
              const settled = await Promise.allSettled(commands.map(run));
              return answer(200, settled.map((s) => (s.status === "fulfilled" ? { result: enc(s.value) } : failure(s.reason))));
            }
            for (const c of commands) if (REFUSED.has(String(c[0]).toLowerCase())) throw new Refusal(400, `ERR ${String(c[0])} is not supported by this REST front`);
            const multi = redis.multi();
            for (const c of commands) multi.addCommand(c);
            let replies: unknown[];
            try {
              replies = await multi.exec();
            } catch (err) {
              // One command failed inside EXEC: the others' replies stand, as Redis ran them.
              if (err instanceof ErrorReply && "replies" in err && Array.isArray(err.replies)) replies = err.replies as unknown[];
              else return answer(400, failure(err));
            }
            return answer(200, replies.map((r) => (r instanceof ErrorReply ? { error: r.message } : { result: enc(r as Reply) })));
          }
          return answer(404, { error: `ERR no such endpoint: ${route || "/"}` });
        } catch (err) {
          if (err instanceof Refusal) return answer(err.status, { error: err.message }, err.status === 503 ? { "retry-after": "1" } : {});
          return answer(500, { error: String(err) });
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, o.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host ?? "127.0.0.1";
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      base.destroy();
    },
  };
}

function asCommand(value: unknown): Arg[] {
  if (!Array.isArray(value) || value.length === 0) throw new Refusal(400, "ERR a command is a non-empty JSON array");
  return value.map((v) => {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new Refusal(400, "ERR command arguments must be strings or numbers");
  });
}

function encode(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString("base64") : reply.toString("utf8");
  if (typeof reply === "string") return base64 && reply !== "OK" ? Buffer.from(reply).toString("base64") : reply;
  if (Array.isArray(reply)) return reply.map((r) => encode(r, base64));
  return reply;
}

/** What `npm start` runs for its cores: redis-server in `dir` and this front before it, with a token
 * made for this run (both listen on loopback only). */
export interface LocalUpstash {
  env: { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string };
  server: RedisServer;
  front: UpstashFront;
  stop(): Promise<void>;
}

export async function startLocalUpstash(dir: string): Promise<LocalUpstash> {
  const server = await startRedisServer(dir);
  const token = randomBytes(24).toString("base64url");
  let front: UpstashFront;
  try {
    front = await startUpstashFront({ redisUrl: server.url, token });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    env: { UPSTASH_REDIS_REST_URL: front.url, UPSTASH_REDIS_REST_TOKEN: token },
    server,
    front,
    async stop() {
      await front.close();
      await server.stop();
    },
  };
}
