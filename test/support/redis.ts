// A real redis-server with our Upstash REST front before it, for the tests and the benchmark: the cores
// get UPSTASH_REDIS_REST_URL and _TOKEN as from Upstash. Debian's redis-server must be installed
// (.ci/run installs it); tests skip with REDIS_MISSING's message when it is not.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { redisServerBinary, startRedisServer, type RedisServer } from "../../core/src/local-redis.ts";
import { startUpstashFront, type UpstashFront } from "../../core/src/local-upstash.ts";

export const REDIS_MISSING = redisServerBinary() === null ? "skipped: redis-server is not installed (apt-get install redis-server, or REDIS_SERVER=<path>)" : null;

export interface TestRedis {
  server: RedisServer;
  front: UpstashFront;
  token: string;
  env: { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string };
  /** Kills redis-server (SIGKILL: a crash); the front stays and answers 503. */
  kill(): Promise<void>;
  /** redis-server again, on the same port and folder. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), "edgemail-redis-"));
  const token = randomBytes(24).toString("base64url");
  let server = await startRedisServer(dir);
  const front = await startUpstashFront({ redisUrl: server.url, token });
  const redis: TestRedis = {
    get server() {
      return server;
    },
    front,
    token,
    env: { UPSTASH_REDIS_REST_URL: front.url, UPSTASH_REDIS_REST_TOKEN: token },
    async kill() {
      server.kill("SIGKILL");
      await server.exited;
    },
    async restart() {
      server = await startRedisServer(dir, server.port);
    },
    async stop() {
      await front.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return redis;
}
