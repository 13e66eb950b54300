// The outbound queues `queue list` and `queue errors` read. Each core has a queue of its own
// (QUEUE_URL): `CORES=2 npm start` gives the second and later cores theirs under DATA_DIR/cores/cN
// (start-local.ts), beside the first core's default DATA_DIR/queue.db. So where this CLI reads that
// default queue, it reads the local cores' too, each row named by its core; an operator with cores on
// other hosts runs the CLI with each core's QUEUE_URL.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

export interface QueueRef {
  /** "c1" for the queue QUEUE_URL names (or the default), "cN" for DATA_DIR/cores/cN. */
  core: string;
  url: string;
}

export function queuesToRead(config: { dataDir: string; queueUrl: string }): QueueRef[] {
  const own: QueueRef = { core: "c1", url: config.queueUrl };
  if (config.queueUrl !== `file:${path.join(config.dataDir, "queue.db")}`) return [own];
  const coresDir = path.join(config.dataDir, "cores");
  const others = existsSync(coresDir)
    ? readdirSync(coresDir)
        .filter((name) => /^c\d+$/.test(name) && existsSync(path.join(coresDir, name, "queue.db")))
        .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
        .map((name) => ({ core: name, url: `file:${path.join(coresDir, name, "queue.db")}` }))
    : [];
  return [own, ...others];
}
