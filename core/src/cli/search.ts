// `search reindex [user]`: rebuilds users' part of the search index (search/reindex.ts) beside a
// running core, with a progress bar on a terminal and a summary line. Attachments' text is read
// again from the blob store the core uses.
import type { Config } from "../config.ts";
import type { BlobStore } from "../store/blobs.ts";
import type { Directory, DirectoryUser } from "../store/directory.ts";
import { openBlobStore, startLocalR2IfNeeded } from "../store/open-blobs.ts";
import { getUsage } from "../store/mailbox.ts";
import type { Shards } from "../store/shards.ts";
import { reindexUser } from "../search/reindex.ts";
import { RefusedError, UsageError } from "./errors.ts";
import { progressBar } from "./progress.ts";

type Out = (human: string, json: unknown) => void;

export async function searchCommand(
  command: string,
  address: string | undefined,
  deps: { config: Config; directory: Directory; shards: Shards; out: Out },
): Promise<void> {
  if (command !== "reindex") throw new UsageError(`unknown command "search ${command}"`);
  let users: DirectoryUser[];
  if (address) {
    const user = await deps.directory.userByAddress(address);
    if (!user) throw new RefusedError(`no user ${address}`);
    users = [user];
  } else users = await deps.directory.listUsers();

  const counts = await Promise.all(users.map(async (u) => (await getUsage(deps.shards.get(u.shard), u.id))?.messageCount ?? 0));
  const total = counts.reduce((a, b) => a + b, 0);
  const bar = progressBar("reindexing", total);
  // The blob store starts only when an attachment needs reading.
  const store: { opened: Promise<{ blobs: BlobStore; stop: () => Promise<void> }> | null } = { opened: null };
  const readBlob = (key: string) => {
    store.opened ??= startLocalR2IfNeeded(deps.config.blobs).then(({ config, stop }) => ({ blobs: openBlobStore(config), stop }));
    return store.opened.then(({ blobs }) => blobs.get(key));
  };
  const started = performance.now();
  let indexed = 0;
  try {
    for (const user of users) {
      const before = indexed;
      indexed += await reindexUser(deps.shards.get(user.shard), user.id, { readBlob, onProgress: (done) => bar.update(before + done, user.address) });
    }
  } finally {
    bar.finish();
    if (store.opened) await (await store.opened).stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? Math.round(indexed / seconds) : indexed;
  deps.out(
    `reindexed ${indexed.toLocaleString("en")} message(s) of ${users.length} user(s) in ${seconds.toFixed(1)} s (${rate.toLocaleString("en")} messages/s)`,
    { users: users.length, messages: indexed, seconds: Number(seconds.toFixed(3)) },
  );
}
