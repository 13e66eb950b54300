// The capacity model: from a load (users and what each does a day) and the measured per-core figures,
// the regions, cores, shards, storage and monthly bill. Pure arithmetic; every constant that is not
// the design's or measured is in `assumptions`, named, and printed with the result (docs/capacity.md).
import type { Measured } from "./measured.ts";
import type { Prices } from "./prices.ts";

/** The design's load (issue 16): decimal units, as its 730 PB and 1,460 PB a year are. */
export interface Load {
  users: number;
  sendsPerUserDay: number;
  receptionsPerUserDay: number;
  metadataBytesPerMessage: number;
  attachmentShare: number;
  attachmentBytes: number;
  /** The busiest hour's rate over the day's average. */
  peakToAverage: number;
}

export const designLoad: Omit<Load, "users"> = {
  sendsPerUserDay: 10,
  receptionsPerUserDay: 40,
  metadataBytesPerMessage: 50_000,
  attachmentShare: 0.2,
  attachmentBytes: 500_000,
  peakToAverage: 3,
};

export const assumptions = {
  /** Cores are bought for the peak at this utilization (headroom for a core's death and bursts). */
  targetUtilization: 0.6,
  /** A region serves at most this many users: one region's outage touches at most a fifth of 1 B. */
  usersPerRegion: 200e6,
  /** From this many users there are two regions (an EU region for residency; a second failure domain). */
  twoRegionsFromUsers: 10e6,
  /** Never fewer cores in a region: one may die. */
  minCoresPerRegion: 2,
  /** A libSQL shard's size cap: a rebalancing copies one to a new machine in about 1.5 h at 200 MB/s. */
  shardMaxBytes: 1e12,
  /** A shard's primary and its replicas, each on its own disk. */
  shardCopies: 3,
  /** Disks are bought this full. */
  diskFill: 0.8,
  /** Per region, as `SHARD_COUNT` starts (core/src/config.ts). */
  minShardsPerRegion: 4,
  /** Storage is counted after this many years of mail, nothing deleted. */
  storedYears: 1,
  /** The sender's Sent copy is stored as well as the recipients' copies. */
  sentCopyStored: true,
  /** The pipeline also keeps each message's raw bytes in R2 (packs), beside the shard's parsed rows. */
  rawCopyInR2: true,
  /** HTTP API requests a user makes a day (webmail and apps; events arrive over a WebSocket, not polls). */
  apiRequestsPerUserDay: 100,
  /** The share of sends made through the HTTP API (the rest: SMTP submission from mail apps). */
  apiShareOfSends: 0.5,
  searchesPerUserDay: 2,
  /** Messages per R2 pack object the pipeline writes (it batches up to 500). */
  messagesPerR2Pack: 100,
  /** Each stored object (raw message, attachment) read once from R2. */
  r2ReadsPerObject: 1,
  /** Queue operations per API send: a write, a read and a delete (references only, under 64 KB). */
  queueOpsPerApiSend: 3,
  /** Memory billed per Durable Object (Cloudflare bills 128 MB per object). */
  doMemoryGB: 0.128,
  /** The hot inbox head and event log each user's Durable Object keeps. */
  doBytesPerUser: 100_000,
  daysPerMonth: 365 / 12,
  // Used only when no measurement exists (neither a result file nor the snapshot has it):
  fallback: {
    /** A 50 KB message costs this many times a 5 KB one. */
    largeOverSmall: 2,
    /** Index bytes per byte of message text. */
    indexRatio: 0.27,
    queryMs: 10,
    edgeCpuMsPerRequest: 5,
    doWallMsPerRequest: 5,
  },
};

export type Assumptions = typeof assumptions;

/** What one core does, from the measurements (whole-system rate ÷ the cores that measured it). */
export interface PerCore {
  ingest5KBPerSec: number;
  send5KBPerSec: number;
  /** The design's average message (metadata + its share of attachments) in bytes. */
  messageBytes: number;
  /** Its cost over a 5 KB message's: linear in size through the two measured sizes. */
  sizeCost: number;
  ingestPerSec: number;
  sendPerSec: number;
  queryMs: number;
  indexRatio: number;
  edgeCpuMsPerRequest: number;
  doWallMsPerRequest: number;
  /** The figures that came from an assumption, not a measurement. */
  assumed: string[];
}

export function perCoreFigures(m: Measured, load: Omit<Load, "users">, a: Assumptions = assumptions): PerCore {
  if (!m.ingest) throw new Error("no ingest figure: run `npm run bench:ingest -- --system` or keep bench/capacity-inputs.json");
  if (!m.send) throw new Error("no send figure: run `npm run bench:send -- --submission` or keep bench/capacity-inputs.json");
  const assumed: string[] = [];
  const messageBytes = load.metadataBytesPerMessage + load.attachmentShare * load.attachmentBytes;
  let sizeCost: number;
  if (m.size) {
    const slope = (m.size.smallPerSec / m.size.largePerSec - 1) / (m.size.largeBytes - m.size.smallBytes);
    sizeCost = 1 + slope * (messageBytes - m.size.smallBytes);
  } else {
    assumed.push("size cost");
    sizeCost = 1 + ((a.fallback.largeOverSmall - 1) * (messageBytes - 5 * 1024)) / (45 * 1024);
  }
  const ingest5KBPerSec = m.ingest.filedPerSec / m.ingest.cpus;
  const send5KBPerSec = m.send.deliveredPerSec / m.send.cpus;
  const pick = (name: string, measured: number | null | undefined, fallback: number) => {
    if (measured !== null && measured !== undefined) return measured;
    assumed.push(name);
    return fallback;
  };
  return {
    ingest5KBPerSec,
    send5KBPerSec,
    messageBytes,
    sizeCost,
    ingestPerSec: ingest5KBPerSec / sizeCost,
    sendPerSec: send5KBPerSec / sizeCost,
    queryMs: pick("query time", m.search?.queryP50Ms, a.fallback.queryMs),
    indexRatio: pick("index size", m.search ? m.search.indexBytesPerMessage / m.search.corpusBytesPerMessage : null, a.fallback.indexRatio),
    edgeCpuMsPerRequest: pick("edge CPU per request", m.send.apiEdge?.cpuMsPerMsg, a.fallback.edgeCpuMsPerRequest),
    doWallMsPerRequest: pick("Durable Object time per request", m.realtime?.hubFirstPageP50Ms, a.fallback.doWallMsPerRequest),
    assumed,
  };
}

export interface Capacity {
  users: number;
  regions: number;
  /** Averages over the day, whole service. */
  perSecond: { sends: number; receptions: number; searches: number };
  cores: { ingest: number; send: number; search: number; total: number };
  shards: number;
  /** Bytes after `storedYears`. */
  storage: { metadata: number; index: number; shardDisk: number; attachments: number; rawInR2: number; r2: number; durableObjects: number };
  /** USD a month, at the end of `storedYears`. */
  monthly: {
    cores: number;
    shardDisk: number;
    r2Storage: number;
    r2Operations: number;
    workers: number;
    durableObjects: number;
    queues: number;
    total: number;
  };
  perUserMonthUsd: number;
}

const GB = 1e9;
const MILLION = 1e6;

export function capacity(users: number, load: Omit<Load, "users">, per: PerCore, prices: Prices, a: Assumptions = assumptions): Capacity {
  const day = 86_400;
  const regions = Math.max(Math.ceil(users / a.usersPerRegion), users >= a.twoRegionsFromUsers ? 2 : 1);
  const regionUsers = users / regions;

  // Cores: each region bought for its own peak.
  const peak = (perUserDay: number) => ((regionUsers * perUserDay) / day) * load.peakToAverage;
  const ingest = peak(load.receptionsPerUserDay) / per.ingestPerSec;
  const send = peak(load.sendsPerUserDay) / per.sendPerSec;
  const search = (peak(a.searchesPerUserDay) * per.queryMs) / 1000;
  const regionCores = Math.max(a.minCoresPerRegion, Math.ceil((ingest + send + search) / a.targetUtilization));

  // Storage after storedYears.
  const storedPerUserDay = load.receptionsPerUserDay + (a.sentCopyStored ? load.sendsPerUserDay : 0);
  const messages = users * storedPerUserDay * 365 * a.storedYears;
  const metadata = messages * load.metadataBytesPerMessage;
  const index = metadata * per.indexRatio;
  const shardDisk = (a.shardCopies * (metadata + index)) / a.diskFill;
  const attachments = messages * load.attachmentShare * load.attachmentBytes;
  const rawInR2 = a.rawCopyInR2 ? messages * (load.metadataBytesPerMessage + load.attachmentShare * load.attachmentBytes) : 0;
  // The raw message (in a pack) holds its attachments too, and the pipeline stores each attachment again
  // on its own, content-addressed (core/src/pipeline/mail-pipeline.ts); no two are assumed the same.
  const r2 = attachments + rawInR2;
  const durableObjects = users * a.doBytesPerUser;
  const regionShards = Math.max(a.minShardsPerRegion, Math.ceil((metadata + index) / regions / a.shardMaxBytes));

  // A month's operations.
  const month = a.daysPerMonth;
  const monthMessages = users * storedPerUserDay * month;
  const apiRequests = users * a.apiRequestsPerUserDay * month;
  const apiSends = users * load.sendsPerUserDay * a.apiShareOfSends * month;
  // Every API request passes the user's Durable Object (credential check, hot inbox head); every message
  // filed notifies it.
  const doRequests = apiRequests + monthMessages;
  const r2Writes = monthMessages * load.attachmentShare + monthMessages / a.messagesPerR2Pack;
  // Reads: each object read back once, and the pipeline asks whether an attachment is already stored
  // (a HEAD, Class B) before it puts it.
  const r2Reads = (monthMessages * load.attachmentShare + (a.rawCopyInR2 ? monthMessages : 0)) * a.r2ReadsPerObject + monthMessages * load.attachmentShare;

  const totalCores = regions * regionCores;
  const monthly = {
    cores: totalCores * prices.coreMonth.usd,
    shardDisk: (shardDisk / GB) * prices.shardDisk.usd,
    r2Storage: (r2 / GB) * prices.r2Storage.usd,
    r2Operations: (r2Writes / MILLION) * prices.r2ClassA.usd + (r2Reads / MILLION) * prices.r2ClassB.usd,
    workers: (apiRequests / MILLION) * prices.workersRequests.usd + ((apiRequests * per.edgeCpuMsPerRequest) / MILLION) * prices.workersCpu.usd,
    durableObjects:
      (doRequests / MILLION) * prices.durableObjectRequests.usd +
      ((doRequests * (per.doWallMsPerRequest / 1000) * a.doMemoryGB) / MILLION) * prices.durableObjectDuration.usd +
      (durableObjects / GB) * prices.durableObjectStorage.usd,
    queues: ((apiSends * a.queueOpsPerApiSend) / MILLION) * prices.queuesOperations.usd,
    total: 0,
  };
  monthly.total = monthly.cores + monthly.shardDisk + monthly.r2Storage + monthly.r2Operations + monthly.workers + monthly.durableObjects + monthly.queues;

  return {
    users,
    regions,
    perSecond: {
      sends: (users * load.sendsPerUserDay) / day,
      receptions: (users * load.receptionsPerUserDay) / day,
      searches: (users * a.searchesPerUserDay) / day,
    },
    cores: { ingest: regions * ingest, send: regions * send, search: regions * search, total: totalCores },
    shards: regions * regionShards,
    storage: { metadata, index, shardDisk, attachments, rawInR2, r2, durableObjects },
    monthly,
    perUserMonthUsd: monthly.total / users,
  };
}

/** The design's own yearly figures (receptions only, as issue 16 counts them), to check the units. */
export function designYear(users: number, load: Omit<Load, "users">): { metadata: number; attachments: number } {
  const messages = users * load.receptionsPerUserDay * 365;
  return { metadata: messages * load.metadataBytesPerMessage, attachments: messages * load.attachmentShare * load.attachmentBytes };
}

export interface Sensitivity {
  change: string;
  total: number;
}

/** The bill at `users` with one thing changed at a time: which assumption moves the result most. */
export function sensitivities(m: Measured, users: number, load: Omit<Load, "users">, prices: Prices, a: Assumptions = assumptions): Sensitivity[] {
  const run = (l: Omit<Load, "users">, p: Prices, as: Assumptions, scaleCores = 1) => {
    const per = perCoreFigures(m, l, as);
    return capacity(users, l, { ...per, ingestPerSec: per.ingestPerSec * scaleCores, sendPerSec: per.sendPerSec * scaleCores }, p, as).monthly.total;
  };
  return [
    { change: "metadata 10 KB a message, not 50 KB", total: run({ ...load, metadataBytesPerMessage: 10_000 }, prices, a) },
    { change: "shard disks at $0.02 a GB-month (own servers' NVMe; assumption)", total: run(load, { ...prices, shardDisk: { ...prices.shardDisk, usd: 0.02 } }, a) },
    { change: "two copies of a shard, not three", total: run(load, prices, { ...a, shardCopies: 2 }) },
    { change: "no raw copy in R2 (the shard's rows rebuild a message)", total: run(load, prices, { ...a, rawCopyInR2: false }) },
    { change: "storage after 3 years, not 1", total: run(load, prices, { ...a, storedYears: 3 }) },
    { change: "peak 2× the average, not 3×", total: run({ ...load, peakToAverage: 2 }, prices, a) },
    { change: "cores twice as fast as measured", total: run(load, prices, a, 2) },
    { change: "100% of sends through the HTTP API, not 50%", total: run(load, prices, { ...a, apiShareOfSends: 1 }) },
  ];
}
