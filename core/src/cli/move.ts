// `user move <address> --region <r> | --shard <s>` and `shard rebalance`: moving mailboxes beside the
// running cores (store/mailbox-move/move.ts does the copy, the check and the switch). Like every
// command, the CLI works on the stores themselves: both regions' directories, shards and buckets. What
// it adds is the quiescing the running cores obey: the user's directory entry marked moving (their MX
// answers 450 at RCPT, their API refuses writes with 503; the global directory's mark does the same at
// every other region's MX), the recipient caches' TTL waited out, then the spools watched until the
// mail already acknowledged for the user is filed. A move that fails or is interrupted is finished by
// running the same command again.
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../config.ts";
import { reindexUser } from "../search/reindex.ts";
import type { BlobStore } from "../store/blobs.ts";
import { Directory, type DirectoryUser } from "../store/directory.ts";
import { removeCopy } from "../store/mailbox-move/import.ts";
import { moveMailbox, MoveVerifyError, type MovePhase, type MoveResult, type MoveSide, type MoveSteps } from "../store/mailbox-move/move.ts";
import { openBlobStore, startLocalR2IfNeeded } from "../store/open-blobs.ts";
import { getUsage } from "../store/mailbox.ts";
import { rendezvousPick } from "../store/rendezvous.ts";
import { Shards, type ShardDatabase } from "../store/shards.ts";
import { edgeOf } from "./edge.ts";
import { RefusedError, UsageError } from "./errors.ts";
import { moveHub } from "./hub-move.ts";
import { sweepMovedBlobs, type BlobSweepSummary } from "./move-blobs.ts";
import { progressBar, type Progress } from "./progress.ts";
import type { CliRegions } from "./regions.ts";
import { pendingFor, regionSpoolDirs } from "./spool-pending.ts";

type Out = (human: string, json: unknown) => void;

export interface MoveCommandDeps {
  config: Config;
  directory: Directory;
  shards: Shards;
  regions: CliRegions | null;
  out: Out;
}

/** How long acknowledged mail may take to be filed before a move gives up (and unmarks nobody: a
 * rerun goes on from there). */
const SPOOL_WAIT_MS = 120_000;

/** A region's stores opened for a move; the blob store starts only when first used. */
interface RegionStores {
  config: Config;
  directory: Directory;
  shards: Shards;
  blobs(): Promise<BlobStore>;
  close(): Promise<void>;
}

function lazyBlobs(config: Config): { blobs: () => Promise<BlobStore>; stop: () => Promise<void> } {
  let opened: Promise<{ blobs: BlobStore; stop: () => Promise<void> }> | null = null;
  return {
    blobs: async () => (await (opened ??= startLocalR2IfNeeded(config.blobs).then(({ config: c, stop }) => ({ blobs: openBlobStore(c), stop })))).blobs,
    stop: async () => {
      if (!opened) return;
      const { blobs, stop } = await opened;
      await blobs.close();
      await stop();
    },
  };
}

function storesOf(config: Config, directory: Directory, shards: Shards, own: boolean): RegionStores {
  const b = lazyBlobs(config);
  return {
    config,
    directory,
    shards,
    blobs: b.blobs,
    close: async () => {
      await b.stop();
      if (own) {
        directory.close();
        shards.close();
      }
    },
  };
}

async function openRegion(config: Config): Promise<RegionStores> {
  const directory = await Directory.open(config.directoryUrl, config.libsqlAuthToken, config.directoryReplicaUrl);
  const shards = await Shards.open(config.shards, config.libsqlAuthToken, directory);
  return storesOf(config, directory, shards, true);
}

const PHASES: Record<MovePhase, string> = { quiesce: "deferring new mail", copy: "copying", verify: "verifying", switch: "switching", remove: "removing the old copy", done: "done" };

/** Marks the user moving and waits until nothing of theirs is in flight in their region. */
async function quiesce(user: DirectoryUser, mark: string, from: RegionStores, log: (note: string) => void): Promise<void> {
  await from.directory.setMoving(user.id, mark);
  // A core's recipient cache may still hold the unmarked entry this long.
  await sleep((from.config.smtp.recipientCacheSeconds + 1) * 1000);
  const dirs = regionSpoolDirs(from.config);
  const deadline = Date.now() + SPOOL_WAIT_MS;
  for (;;) {
    const pending = pendingFor(dirs, user.id);
    if (pending === 0) return;
    if (Date.now() > deadline) {
      throw new RefusedError(`${pending} message(s) acknowledged for ${user.address} are still not filed after ${SPOOL_WAIT_MS / 1000} s (is the core running?). Their new mail stays deferred; run the move again to go on`);
    }
    log(`waiting for ${pending} message(s) to be filed`);
    await sleep(200);
  }
}

async function runMove(label: string, userId: string, source: MoveSide, target: MoveSide, steps: Omit<MoveSteps, "rebuildIndex" | "onProgress">, total: number, bar?: Progress): Promise<MoveResult> {
  const own = bar ?? progressBar(label, total);
  try {
    return await moveMailbox(userId, source, target, {
      ...steps,
      rebuildIndex: (shard, id) => reindexUser(shard, id, { readBlob: (key) => target.blobs.get(key) }),
      onProgress: (phase, rows) => own.update(phase === "done" ? total : Math.min(rows, total), PHASES[phase]),
    });
  } finally {
    if (!bar) own.finish();
  }
}

/** A copy that differs from its source was changed while it was read (an API write that began
 * before the mark and ended after): the move is tried again, from the start, a few times. */
async function retried<T>(move: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await move();
    } catch (err) {
      if (!(err instanceof MoveVerifyError) || i >= attempts) throw err;
    }
  }
}

/** Rows a mailbox has, for the progress bar (an estimate: messages have a body row and more). */
async function rowsOf(shard: ShardDatabase, userId: string): Promise<number> {
  const usage = await getUsage(shard, userId);
  return Math.max(1, (usage?.messageCount ?? 0) * 3);
}

async function userOf(directory: Directory, address: string): Promise<DirectoryUser> {
  const user = await directory.userByAddress(address);
  if (!user) throw new RefusedError(`no user ${address}`);
  return user;
}

/** Moves one user to another shard of their region (same bucket: only rows move). A user already on
 * `to` may have the old copy of an interrupted move left on another shard: it is removed. */
async function moveWithinRegion(user: DirectoryUser, to: string, deps: Omit<MoveCommandDeps, "out">, bar?: Progress): Promise<MoveResult & { from: string | null }> {
  let from: string | null = user.shard;
  if (user.shard === to) {
    from = null;
    for (const name of deps.shards.names) if (name !== to && (await getUsage(deps.shards.get(name), user.id))) from = name;
    if (!from) return { rows: 0, resumed: false, from: null };
  }
  const stores = storesOf(deps.config, deps.directory, deps.shards, false);
  const pointer = async () => ((await deps.directory.userById(user.id))?.shard === to ? "target" : "source") as "source" | "target";
  try {
    const blobs = await stores.blobs();
    const source = { shard: deps.shards.get(from), blobs };
    const target = { shard: deps.shards.get(to), blobs };
    const r = await runMove(`moving ${user.address}`, user.id, source, target, {
      pointer,
      quiesce: () => quiesce(user, `${deps.config.region}/${to}`, stores, (note) => bar?.update(0, note)),
      switchPointer: () => deps.directory.switchShard(user.id, to),
    }, await rowsOf(source.shard, user.id), bar);
    return { ...r, from };
  } catch (err) {
    // Not switched: the old copy is still the mailbox, so its mail flows again until the next attempt.
    if ((await pointer()) === "source") await deps.directory.setMoving(user.id, null);
    throw err;
  } finally {
    await stores.close();
  }
}

/** The shard of another region that still holds a mailbox row of `userId` (an interrupted move's
 * leftover), if any. */
async function leftoverOf(regions: CliRegions, home: string, userId: string): Promise<{ region: string; shard: string } | null> {
  for (const region of regions.names.filter((r) => r !== home)) {
    const stores = await openRegion(regions.configOf(region));
    try {
      for (const name of stores.shards.names) if (await getUsage(stores.shards.get(name), userId)) return { region, shard: name };
    } finally {
      await stores.close();
    }
  }
  return null;
}

/** Moves one user to another region: rows, blobs, both directories and the global pointer. */
/** The user is in the region already and no copy of theirs is left elsewhere. */
class AlreadyHomedError extends RefusedError {}

/** What keeps the user's sessions, API keys, webhooks and settings: they follow the mailbox. */
const EDGE_STATE = "the user's sessions, API keys, webhooks and settings are kept by the edge and move with them";

async function moveToRegion(address: string, to: string, deps: MoveCommandDeps & { regions: CliRegions }): Promise<MoveResult & { shard: string; from: string; userId: string; blobs: BlobSweepSummary | null }> {
  const { regions } = deps;
  const home = deps.config.region;
  const target = await openRegion(regions.configOf(to));
  const toClose: RegionStores[] = [target];
  try {
    let source: RegionStores;
    let user: DirectoryUser;
    let targetShard: string;
    if (home === to) {
      // The pointer already names `to`: an earlier run switched it; only its leftovers may remain.
      user = await userOf(target.directory, address);
      const left = await leftoverOf(regions, to, user.id);
      if (!left) throw new AlreadyHomedError(`${address} is already homed in region ${to}`);
      source = await openRegion(regions.configOf(left.region));
      toClose.push(source);
      targetShard = user.shard;
      user = { ...user, region: left.region, shard: left.shard };
    } else {
      source = storesOf(deps.config, deps.directory, deps.shards, false);
      toClose.push(source);
      user = await userOf(deps.directory, address);
      // Checked before anything is marked: the target region must serve the user's domain.
      if (!(await target.directory.isHostedDomain(user.domain))) throw new RefusedError(`region ${to} does not serve ${user.domain}; first: npm run cli -- domain add ${user.domain} --region ${to}`);
      const existing = await target.directory.userById(user.id);
      targetShard = existing?.shard ?? target.shards.place(user.id);
    }
    const aliases = await source.directory.aliasesOf(user.id).catch(() => []);
    const addresses = [user.address, ...aliases];
    const mark = `${to}/${targetShard}`;
    const [fromBlobs, toBlobs] = await Promise.all([source.blobs(), target.blobs()]);
    const pointer = async () => ((await regions.global.homeOf([user.address]))?.region === to ? "target" : "source") as "source" | "target";
    let swept: BlobSweepSummary | null = null;
    const result = await runMove(`moving ${address} to ${to}`, user.id, { shard: source.shards.get(user.shard), blobs: fromBlobs }, { shard: target.shards.get(targetShard), blobs: toBlobs }, {
      pointer,
      quiesce: async () => {
        await regions.global.setMoving(addresses, to);
        await quiesce(user, mark, source, () => {});
        // The target's entry exists from now on, marked: its MX defers the user's mail too until the switch.
        if (!(await target.directory.userById(user.id))) {
          await target.directory.insertUser({ ...user, region: to, shard: targetShard, movingTo: mark });
          for (const a of aliases) await target.directory.addAlias(a, user.id);
        }
      },
      switchPointer: () => regions.global.moveHome(addresses, to),
      afterSwitch: async () => {
        await target.directory.switchShard(user.id, targetShard);
        await source.directory.eraseUser(user.id);
      },
      removeBlobs: async (keys) => {
        swept = await sweepMovedBlobs(source.config, source.shards, fromBlobs, keys);
      },
    }, await rowsOf(source.shards.get(user.shard), user.id)).catch(async (err: unknown) => {
      if ((await pointer()) === "source") {
        // Not switched: the target's entry and rows are nobody's; the old copy takes mail again.
        await target.directory.deleteUser(user.id);
        await removeCopy(target.shards.get(targetShard), user.id);
        await source.directory.setMoving(user.id, null);
        await regions.global.setMoving(addresses, null);
      }
      throw err;
    });
    return { ...result, shard: targetShard, from: user.region, userId: user.id, blobs: swept };
  } finally {
    for (const s of toClose) await s.close();
  }
}

export async function userMoveCommand(address: string, options: { region?: string; shard?: string }, deps: MoveCommandDeps): Promise<void> {
  if (options.region && options.region !== deps.config.region) {
    if (!deps.regions) throw new UsageError(`--region ${options.region}: this deployment has one region, ${deps.config.region}`);
    if (!deps.regions.names.includes(options.region)) throw new UsageError(`--region ${options.region} is not one of the regions (${deps.regions.names.join(", ")})`);
    if (options.shard) throw new UsageError("give --region or --shard, not both (a move to another region places the user on one of its shards)");
    // Checked before anything moves: the edge must be there to take the user's hub along.
    const edge = edgeOf(deps.config, EDGE_STATE);
    const r = await retried(() => moveToRegion(address, options.region!, { ...deps, regions: deps.regions! }));
    const hub = await moveHub(edge, r.userId, r.from, options.region);
    return deps.out(
      r.resumed ? `${address}: the move to region ${options.region} is finished (the old copy in ${r.from} removed)` : `${address} moved from region ${r.from} to ${options.region} (shard ${r.shard}, ${r.rows} rows; ${hub.rows} rows of sessions, keys, webhooks and settings at the edge)`,
      { address, from: r.from, region: options.region, shard: r.shard, rows: r.rows, hubRows: hub.rows, resumed: r.resumed, blobs: r.blobs },
    );
  }
  if (options.region && deps.regions) {
    // Already homed in the region named: finish an interrupted move to it, if that is what this is.
    const edge = edgeOf(deps.config, EDGE_STATE);
    const r = await moveToRegion(address, options.region, { ...deps, regions: deps.regions }).catch((err: unknown) => {
      if (err instanceof AlreadyHomedError) return err;
      throw err;
    });
    if (r instanceof AlreadyHomedError) {
      // The mailbox moved, but its hub may not have: which region it left is no longer recorded, so each
      // other region's hub is asked (one that never had the user answers that there is nothing to move).
      const userId = (await userOf(deps.directory, address)).id;
      const others = deps.regions.names.filter((n) => n !== options.region);
      const hubs = await Promise.all(others.map((from) => moveHub(edge, userId, from, options.region!)));
      const moved = hubs.find((h) => !h.resumed);
      if (!moved) throw r;
      return deps.out(`${address}: the move to region ${options.region} is finished (the sessions, API keys and settings moved from ${moved.from})`, { address, from: moved.from, region: options.region, rows: 0, resumed: true });
    }
    await moveHub(edge, r.userId, r.from, options.region);
    return deps.out(`${address}: the move to region ${options.region} is finished (the old copy in ${r.from} removed)`, { address, from: r.from, region: options.region, shard: r.shard, rows: r.rows, resumed: r.resumed, blobs: r.blobs });
  }
  const user = await userOf(deps.directory, address);
  const to = options.shard ?? deps.shards.place(user.id);
  if (!deps.shards.names.includes(to)) throw new UsageError(`--shard ${to} is not in the shard map (${deps.shards.names.join(", ")}); add it first with: shard add ${to}`);
  const r = await retried(async () => moveWithinRegion((await deps.directory.userById(user.id)) ?? user, to, deps));
  if (!r.from) return deps.out(`${address} is already on shard ${to}`, { address, from: null, shard: to, rows: 0, resumed: false });
  deps.out(
    r.resumed ? `${address}: the move to shard ${to} is finished (the old copy on ${r.from} removed)` : `${address} moved from shard ${r.from} to ${to} (${r.rows} rows)`,
    { address, from: r.from, shard: to, rows: r.rows, resumed: r.resumed },
  );
}

export interface RebalanceResult {
  moved: { address: string; from: string; to: string }[];
  users: number;
  usersPerShard: Record<string, number>;
}

/** Moves, one at a time, every user of the region whose rendezvous pick among the shards of the map
 * (SHARDS / SHARD_COUNT and those added with `shard add`) is not the shard they are on. */
export async function rebalanceShards(deps: Omit<MoveCommandDeps, "out">): Promise<RebalanceResult> {
  const users = await deps.directory.listUsers();
  const names = deps.shards.names;
  const moving = users.filter((u) => u.movingTo || rendezvousPick(names, u.id) !== u.shard);
  const bar = progressBar(`rebalancing ${moving.length} of ${users.length} users`, moving.length);
  const moved: { address: string; from: string; to: string }[] = [];
  try {
    for (const [i, u] of moving.entries()) {
      const to = rendezvousPick(names, u.id);
      bar.update(i, u.address);
      if (u.shard !== to || u.movingTo) {
        await retried(() => moveWithinRegion(u, to, deps, { update: (_, note) => bar.update(i, `${u.address}: ${note ?? ""}`), finish() {} }));
      }
      moved.push({ address: u.address, from: u.shard, to });
    }
    bar.update(moving.length);
  } finally {
    bar.finish();
  }
  const usersPerShard = Object.fromEntries(names.map((n) => [n, 0]));
  for (const u of await deps.directory.listUsers()) usersPerShard[u.shard] = (usersPerShard[u.shard] ?? 0) + 1;
  return { moved, users: users.length, usersPerShard };
}

export function describeRebalance(r: RebalanceResult): string {
  return `moved ${r.moved.length} of ${r.users} users; users per shard: ${Object.entries(r.usersPerShard).map(([n, c]) => `${n} ${c}`).join(", ")}`;
}

export async function shardRebalanceCommand(deps: MoveCommandDeps): Promise<void> {
  const r = await rebalanceShards(deps);
  deps.out(describeRebalance(r), { moved: r.moved, usersPerShard: r.usersPerShard });
}
