// The embedded default's R2 (BLOB_STORE=local): the gateway worker (local-r2-gateway.ts) over
// Miniflare's R2, with the state kept where `wrangler dev --persist-to <dataDir>/edge` keeps it, so
// both tiers see one bucket. `npm start` has the edge's Miniflare serve it (local-edge.ts); a core
// started alone (`npm run core`, tests) runs it here, in a child process: Miniflare and its workerd stay
// out of the core's memory, and the child ends when the core does, even on kill -9 (it watches the IPC
// channel, as local-edge.ts's child does).
import { fork } from "node:child_process";
import { inBatches, type BlobStore } from "./blobs.ts";
import { GATEWAY_WORKER_NAME, gatewayWorker } from "./local-r2-gateway.ts";

export interface LocalR2 {
  /** The gateway, for httpBlobStore in any thread or process. */
  url: string;
  close(): Promise<void>;
}

/** Starts the emulator in a child process on `persistDir`; resolves once its gateway answers. */
export async function startLocalR2(persistDir: string): Promise<LocalR2> {
  const child = fork(import.meta.filename, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { url?: string; error?: string }) => (m.url ? resolve(m.url) : reject(new Error(`the local R2 emulator did not start: ${m.error}`))));
    void exited.then((code) => reject(new Error(`the local R2 emulator exited (${code}) before it was up`)));
    child.send({ persistDir });
  });
  // Neither the child nor its channel keeps this process alive; the child goes when this process does.
  child.unref();
  child.channel?.unref();
  return {
    url,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.ref(); // until it has gone
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The blob store over a running gateway. */
export function httpBlobStore(base: string, close: () => Promise<void> = async () => {}): BlobStore {
  const url = (key: string) => new URL(encodeURIComponent(key), base.endsWith("/") ? base : `${base}/`);
  const fail = async (what: string, key: string, res: Response) => {
    throw new Error(`local R2 ${what} of "${key}" failed: ${res.status} ${await res.text()}`);
  };
  return {
    async put(key, bytes, contentType) {
      const res = await fetch(url(key), { method: "PUT", body: bytes, headers: contentType ? { "content-type": contentType } : {} });
      if (!res.ok) await fail("put", key, res);
    },
    async has(key) {
      const res = await fetch(url(key), { method: "HEAD" });
      if (res.status !== 200 && res.status !== 404) await fail("head", key, res);
      return res.status === 200;
    },
    async get(key, range) {
      const res = await fetch(url(key), { headers: range ? { "x-offset": String(range.offset), "x-length": String(range.length) } : {} });
      if (res.status === 404) return null;
      if (!res.ok) await fail("get", key, res);
      return new Uint8Array(await res.arrayBuffer());
    },
    async delete(keys) {
      await inBatches(keys, async (key) => {
        const res = await fetch(url(key), { method: "DELETE" });
        if (res.status !== 204 && res.status !== 404) await fail("delete", key, res);
        await res.body?.cancel();
      });
    },
    close,
  };
}

/** A blob store on an emulator of its own (closing the store stops it): for tests without a core. */
export async function openLocalR2(persistDir: string): Promise<BlobStore> {
  const r2 = await startLocalR2(persistDir);
  return httpBlobStore(r2.url, r2.close);
}

/** The child: Miniflare with the gateway alone. Miniflare (a devDependency) is loaded here only. */
async function runLocalR2(persistDir: string): Promise<{ url: string; dispose: () => Promise<void> }> {
  const { Log, LogLevel, Miniflare, convertV4MiniflareOptions } = await import("miniflare").catch((err: unknown) => {
    if ((err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new Error("BLOB_STORE=local (the default) runs the R2 emulator, which `npm ci --omit=dev` does not install: production sets BLOB_STORE=s3 (docs/deploy.md)");
  });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      resourcePersistencePath: persistDir,
      // Local development needs nothing from the internet (Miniflare would fetch `Request.cf` data).
      cf: false,
      log: new Log(LogLevel.WARN),
      workers: [gatewayWorker()],
    }),
  );
  await mf.ready;
  return { url: (await mf.unsafeGetDirectURL(GATEWAY_WORKER_NAME)).href, dispose: () => mf.dispose() };
}

if (process.argv[1] === import.meta.filename && process.send) {
  process.once("message", ({ persistDir }: { persistDir: string }) => {
    runLocalR2(persistDir).then(
      ({ url, dispose }) => {
        process.send!({ url });
        // workerd goes first, then this process (left to itself, workerd outlives it by a second or so).
        const end = () => void dispose().finally(() => process.exit(0));
        process.once("disconnect", end);
        process.once("SIGTERM", end);
        process.once("SIGINT", end);
      },
      (err: Error) => {
        process.send!({ error: err.message }, () => process.exit(1));
      },
    );
  });
}
