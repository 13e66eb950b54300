// The admin CLI: `npm run cli -- <command>`. It works on the directory and shards directly (the same
// files the running core uses; SQLite's WAL lets both work at once), so it needs no running core.
// The commands that bring heavy modules (DKIM signing, the mail parser and spam model, the search index
// and local R2, the edge client) load them when run, so the others start without them.
import { parseArgs } from "node:util";
import { createUser } from "../mailbox/accounts.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { setLogLevel } from "../log.ts";
import { localSqld } from "../local-dev.ts";
import { Directory, DirectoryError } from "../store/directory.ts";
import { getUsage, setQuota } from "../store/mailbox.ts";
import { OutboundQueue } from "../store/outbound-queue.ts";
import { queuesToRead, type QueueRef } from "./queues.ts";
import { Shards } from "../store/shards.ts";
import { normalizeAddress, isValidDomain } from "../../../shared/address.ts";
import { formatSize, parseSize } from "../units.ts";
import { RefusedError, UsageError } from "./errors.ts";

const USAGE = `Usage: npm run cli -- <command>

  domain add <domain> [--region eu]         host mail for a domain (in every region, or the one named)
  domain alias <alias-domain> <domain>      every address at alias-domain reaches the same one at domain
  domain list
  domain remove <domain>                    (a domain with users cannot be removed)
  domain dkim <domain>                      make a DKIM key and print the DNS records to publish

  queue list                                outgoing recipients: queued, deferred, delivered, bounced
  queue errors                              messages that failed validation before sending

  user add <address> --password <pw> [--quota 5G] [--region eu]
                                            (with several regions: the user's home region;
                                            default the first; other commands find it themselves)
  user list [domain]
  user remove <address>                     deletes the user and their mail; the edge forgets their
                                            sessions, API keys, webhooks and event log
  user password <address> --password <pw>   and signs out every session, revokes API keys and webhooks
  user revoke <address>                     signs out every session, revokes API keys and webhooks
  user quota <address> <size>               e.g. 10G, 500M
  user move <address> --region <r> | [--shard <s>]
                                            move the mailbox to another region (or shard; default
                                            its rendezvous pick) while mail keeps arriving: new mail
                                            is deferred (450), API writes get 503 until it is done;
                                            run it again to finish a move that was interrupted

  alias add <address> <user-address>        deliver another address to a user
  alias list
  alias remove <address>

  apikey create <address> --name <name> --scopes mail.read,events [--expires 30d]
                                            make an API key for an integrator (shown once)
  apikey list <address>
  apikey revoke <address> <key-id>
                                            (API keys, sessions and webhooks are kept by the edge:
                                            these, and user remove|password|revoke, need EDGE_URL
                                            and INTERNAL_SIGNING_SECRET, or a running npm start)

  spam learn <spam|ham> <file|folder|mbox>…  teach the global spam model (like sa-learn)
  spam stats                                what the model has learned

  search reindex [address]                  rebuild the search index of one user, or of everyone

  shard list                                the shard map (SHARDS or SHARD_COUNT, and the shards
                                            added) and users per shard
  shard add <name> [--url libsql://…] [--replica-url libsql://…] [--rebalance]
                                            add a shard to the running region (default url
                                            file:DATA_DIR/shards/<name>.db): migrated, recorded in
                                            the directory, opened by every running core; new users
                                            may land on it at once; --rebalance then moves the users
                                            whose rendezvous pick it is
  shard rebalance [--region r]              move, one at a time, each user whose rendezvous pick is
                                            now another shard

Options: --json (machine-readable output), --help
Environment: DATA_DIR (default ./data), SHARDS/SHARD_COUNT, DIRECTORY_URL, DEFAULT_QUOTA_BYTES, REGION,
             REGIONS (or what REGIONS=… npm start recorded in DATA_DIR), GLOBAL_DIRECTORY_URL,
             EDGE_URL and INTERNAL_SIGNING_SECRET (apikey, user remove|password|revoke)`;

function arg(positionals: string[], i: number, what: string): string {
  const value = positionals[i];
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

function domainArg(positionals: string[], i: number): string {
  const domain = arg(positionals, i, "domain").toLowerCase().replace(/\.$/, "");
  if (!isValidDomain(domain)) throw new DirectoryError(`${domain} is not a domain name`);
  return domain;
}

function addressArg(positionals: string[], i: number, what = "address"): string {
  const raw = arg(positionals, i, what);
  const address = normalizeAddress(raw);
  if (!address) throw new DirectoryError(`${raw} is not a mail address`);
  return address;
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      password: { type: "string" },
      quota: { type: "string" },
      name: { type: "string" },
      scopes: { type: "string" },
      expires: { type: "string" },
      region: { type: "string" },
      shard: { type: "string" },
      url: { type: "string" },
      "replica-url": { type: "string" },
      rebalance: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return;
  }
  setLogLevel("warn");
  let config = loadConfig(process.env, "cli");
  if (config.localShardServer === "sqld" && !process.env.SHARDS) {
    // The servers a running `SHARD_SERVER=sqld npm start` picked ports for.
    const servers = localSqld(config.dataDir);
    if (!servers) throw new Error(`SHARD_SERVER=sqld: no sqld servers recorded under ${config.dataDir}; start them with SHARD_SERVER=sqld npm start`);
    config = loadConfig({ ...process.env, ...servers }, "cli");
  }
  // With several regions, the command works in one: the home region of the address it names.
  const [group, command] = positionals;
  const regions = await (await import("./regions.ts")).openCliRegions(config, process.env);
  // `user move`'s --region is where the user goes: the command works in their home region.
  const workIn = group === "user" && command === "move" ? undefined : values.region;
  if (regions) config = regions.configOf(await regions.pick(workIn, subjectAddress(`${group} ${command ?? ""}`.trim(), positionals)));
  else if (values.region !== undefined && values.region !== config.region) throw new UsageError(`--region ${values.region}: this deployment has one region, ${config.region} (REGIONS names several)`);
  const directory = await Directory.open(config.directoryUrl, config.libsqlAuthToken, config.directoryReplicaUrl);
  const shards = await Shards.open(config.shards, config.libsqlAuthToken, directory);
  const out = (human: string, json: unknown) => console.log(values.json ? JSON.stringify(json, null, 2) : human);
  /** A domain is served by every region (or those --region names): each region's directory has it. */
  const inEachRegion = async (change: (directory: Directory) => Promise<void>) => {
    if (!regions) return change(directory);
    for (const region of values.region ? [values.region] : regions.names) {
      const c = regions.configOf(region);
      const d = await Directory.open(c.directoryUrl, c.libsqlAuthToken, c.directoryReplicaUrl);
      try {
        await change(d);
      } finally {
        d.close();
      }
    }
  };
  try {
    switch (`${group} ${command ?? ""}`.trim()) {
      case "domain add": {
        const domain = domainArg(positionals, 2);
        await inEachRegion((d) => d.addDomain(domain));
        await regions?.global.addDomain(domain, values.region ? [values.region] : regions.names);
        return out(`domain ${domain} added${regions ? ` (regions ${(await regions.global.regionsOf(domain)).join(", ")})` : ""}`, { domain });
      }
      case "domain alias": {
        const alias = domainArg(positionals, 2);
        const target = domainArg(positionals, 3);
        await inEachRegion((d) => d.addDomainAlias(alias, target));
        return out(`domain ${alias} now delivers to ${target}`, { alias, target });
      }
      case "domain list": {
        const list = await directory.listDomains();
        return out(
          list.map((d) => `${d.name}\t${d.users} user(s)${d.aliases.length ? `\taliases: ${d.aliases.join(", ")}` : ""}`).join("\n") || "(no domains)",
          list,
        );
      }
      case "domain remove": {
        const domain = domainArg(positionals, 2);
        await inEachRegion((d) => d.removeDomain(domain));
        if (!values.region) await regions?.global.removeDomain(domain);
        return out(`domain ${domain} removed`, { domain });
      }
      case "domain dkim": {
        const domain = domainArg(positionals, 2);
        const { dnsRecordsFor, newDkimKey } = await import("../mail-format/dkim.ts");
        const key = newDkimKey(domain);
        await directory.setDkimKey(domain, key.selector, key.privateKey);
        const records = dnsRecordsFor(domain, key.selector, key.publicKey, config.hostname);
        return out(
          [`DKIM key made for ${domain} (selector ${key.selector}); mail from ${domain} is signed from now on.`, "Publish these DNS records:", "", ...records].join("\n"),
          { domain, selector: key.selector, records },
        );
      }
      case "queue list": {
        const queues = queuesToRead(config);
        const rows = (await fromEachQueue(queues, config.libsqlAuthToken, (q) => q.list())).sort((a, b) => a.createdAt - b.createdAt);
        const when = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);
        const core = (r: { core: string }) => (queues.length > 1 ? `[${r.core}]  ` : "");
        return out(
          rows
            .map((r) => {
              const state = r.state === "deferred" ? `deferred (${r.attempts} attempt${r.attempts === 1 ? "" : "s"}, next ${when(r.nextAttemptAt)})` : r.state;
              return `${core(r)}${when(r.createdAt)}  ${r.messageId}  ${r.sender} → ${r.recipient}  ${state}${r.lastReply ? `\n    ${r.lastReply}` : ""}`;
            })
            .join("\n") || "(the queue is empty)",
          rows,
        );
      }
      case "queue errors": {
        const queues = queuesToRead(config);
        const rows = (await fromEachQueue(queues, config.libsqlAuthToken, (q) => q.listErrors())).sort((a, b) => a.createdAt - b.createdAt);
        const core = (r: { core: string }) => (queues.length > 1 ? `[${r.core}]  ` : "");
        return out(rows.map((r) => `${core(r)}${new Date(r.createdAt).toISOString()}  ${r.messageId}  user ${r.userId}: ${r.reason}`).join("\n") || "(no errors)", rows);
      }
      case "user add": {
        const address = addressArg(positionals, 2);
        if (!values.password) throw new UsageError("give the password with --password");
        const quotaBytes = values.quota ? parseSize(values.quota) : config.defaultQuotaBytes;
        if (!quotaBytes) throw new UsageError(`--quota ${values.quota} is not a size such as 5G`);
        // The address is claimed in every region's eyes first: it exists once, in one home region.
        await regions?.global.claim(address, config.region);
        const user = await createUser({ directory, shards }, { address, password: values.password, quotaBytes, region: config.region }).catch(async (err: unknown) => {
          await regions?.global.release(address, config.region);
          throw err;
        });
        return out(`user ${user.address} added (id ${user.id}, ${regions ? `region ${user.region}, ` : ""}shard ${user.shard}, quota ${formatSize(quotaBytes)})`, {
          id: user.id,
          address: user.address,
          shard: user.shard,
          region: user.region,
          quotaBytes,
        });
      }
      case "user list": {
        const domain = positionals[2] ? domainArg(positionals, 2) : undefined;
        const users = await directory.listUsers(domain);
        const rows = await Promise.all(
          users.map(async (u) => ({ id: u.id, address: u.address, region: u.region, shard: u.shard, ...(await getUsage(shards.get(u.shard), u.id)) })),
        );
        return out(
          rows
            .map((r) => `${r.address}\t${r.id}\t${r.region}/${r.shard}\t${r.messageCount ?? 0} msgs\t${formatSize(r.usedBytes ?? 0)} of ${formatSize(r.quotaBytes ?? 0)}`)
            .join("\n") || "(no users)",
          rows,
        );
      }
      case "user remove": {
        const address = addressArg(positionals, 2);
        const user = regions ? await directory.userByAddress(address) : null;
        const aliases = user ? await directory.aliasesOf(user.id) : [];
        await (await import("./users.ts")).userRemoveCommand(address, { config, directory, shards, out });
        for (const a of user ? [user.address, ...aliases] : []) await regions?.global.release(a, config.region);
        return;
      }
      case "user password":
        return await (await import("./users.ts")).userPasswordCommand(addressArg(positionals, 2), values.password, { config, directory, shards, out });
      case "user revoke":
        return await (await import("./users.ts")).userRevokeCommand(addressArg(positionals, 2), { config, directory, shards, out });
      case "user quota": {
        const address = addressArg(positionals, 2);
        const bytes = parseSize(arg(positionals, 3, "size"));
        if (!bytes) throw new UsageError(`${positionals[3]} is not a size such as 5G`);
        const user = await directory.userByAddress(address);
        if (!user) throw new DirectoryError(`no user ${address}`);
        await setQuota(shards.get(user.shard), user.id, bytes);
        return out(`quota of ${address} is now ${formatSize(bytes)}`, { address, quotaBytes: bytes });
      }
      case "alias add": {
        const address = addressArg(positionals, 2);
        const target = addressArg(positionals, 3, "user address");
        const user = await directory.userByAddress(target);
        if (!user) throw new DirectoryError(`no user ${target}`);
        await regions?.global.claim(address, config.region);
        await directory.addAlias(address, user.id).catch(async (err: unknown) => {
          await regions?.global.release(address, config.region);
          throw err;
        });
        return out(`${address} now delivers to ${user.address}`, { address, target: user.address });
      }
      case "alias list": {
        const list = await directory.listAliases();
        return out(list.map((a) => `${a.address}\t→ ${a.target}`).join("\n") || "(no aliases)", list);
      }
      case "alias remove": {
        const address = addressArg(positionals, 2);
        await directory.removeAlias(address);
        await regions?.global.release(address, config.region);
        return out(`alias ${address} removed`, { address });
      }
      case "apikey create":
      case "apikey list":
      case "apikey revoke":
        return await (await import("./apikeys.ts")).apikeyCommand(command!, addressArg(positionals, 2), positionals[3], values, { config, directory, out });
      case "spam learn":
      case "spam stats":
        return await (await import("./spam.ts")).spamCommand(command!, positionals, { directory, out });
      case "user move":
        return await (await import("./move.ts")).userMoveCommand(addressArg(positionals, 2), { region: values.region, shard: values.shard }, { config, directory, shards, regions, out });
      case "shard rebalance":
        return await (await import("./move.ts")).shardRebalanceCommand({ config, directory, shards, regions, out });
      case "shard list":
        return await (await import("./shards.ts")).shardListCommand({ config, directory, shards, out });
      case "shard add":
        return await (await import("./shards.ts")).shardAddCommand(arg(positionals, 2, "shard name"), { url: values.url, replicaUrl: values["replica-url"], rebalance: values.rebalance }, { config, directory, shards, regions, out });
      case "search reindex":
        return await (await import("./search.ts")).searchCommand(command!, positionals[2] ? addressArg(positionals, 2) : undefined, { config, directory, shards, out });
      default:
        throw new UsageError(`unknown command "${positionals.join(" ")}"`);
    }
  } finally {
    shards.close();
    directory.close();
    regions?.global.close();
  }
}

/** The address whose home region a command works in (with several regions). */
function subjectAddress(command: string, positionals: string[]): string | undefined {
  const raw = command === "alias add" ? positionals[3] : command.startsWith("user ") || command.startsWith("apikey ") || command === "search reindex" || command === "alias remove" ? positionals[2] : undefined;
  return raw ? (normalizeAddress(raw) ?? undefined) : undefined;
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`error: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof DirectoryError || err instanceof ConfigError || err instanceof RefusedError) {
    console.error(`error: ${err.message}`);
    process.exit(1);
  }
  if (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS")) {
    console.error(`error: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  throw err;
});

/** Rows of every queue, each named by its core. */
async function fromEachQueue<T>(queues: QueueRef[], authToken: string | undefined, read: (queue: OutboundQueue) => Promise<T[]>): Promise<(T & { core: string })[]> {
  const rows: (T & { core: string })[] = [];
  for (const { core, url } of queues) {
    const queue = await OutboundQueue.open(url, authToken);
    try {
      for (const row of await read(queue)) rows.push({ ...row, core });
    } finally {
      queue.close();
    }
  }
  return rows;
}
