// The spam stage of the pipeline: every check of spam/score.ts with the learned model (the region's
// global model, plus the recipient's own training when they have any), DNS blocklists through the
// service's resolver, and the threshold from the config. Outgoing mail gets the content checks and
// the global model only.
import type { Resolver } from "node:dns/promises";
import type { Directory } from "../store/directory.ts";
import type { Shards } from "../store/shards.ts";
import { GlobalSpamModel, userSpamModel } from "../store/spam-model.ts";
import type { SpamOutcome } from "./deliver-to-user.ts";
import type { ParsedMail } from "../mail-format/parse.ts";
import { messageTokens } from "./spam/bayes.ts";
import type { SpamInput } from "./spam/input.ts";
import { scoreMessage, scoreOutbound, spamHeaders, type SpamResult } from "./spam/score.ts";
import type { InboundEntry } from "../spool/entry.ts";

export interface SpamStageOptions {
  directory: Directory;
  shards: Shards;
  resolver: Pick<Resolver, "resolve4">;
  threshold: number;
  dnsblZones: string[];
}

function outcome(result: SpamResult): SpamOutcome & { threshold: number } {
  return { score: result.score, tests: [...new Set(result.hits.map((h) => h.name))].sort(), spam: result.spam, headers: spamHeaders(result), threshold: result.threshold };
}

export class SpamStage {
  readonly #o: SpamStageOptions;
  readonly #global: GlobalSpamModel;
  #domains: { names: string[]; at: number } = { names: [], at: 0 };

  constructor(options: SpamStageOptions) {
    this.#o = options;
    this.#global = new GlobalSpamModel(options.directory);
  }

  /** The service's own domains (what look-alike senders imitate), read at most once a minute. */
  async #localDomains(): Promise<string[]> {
    if (Date.now() - this.#domains.at > 60_000) this.#domains = { names: await this.#o.directory.domainNames(), at: Date.now() };
    return this.#domains.names;
  }

  async inbound(input: { entry: InboundEntry; mail: ParsedMail; userId: string; shard: string }): Promise<SpamOutcome> {
    const { entry, mail } = input;
    const spamInput: SpamInput = {
      raw: entry.raw,
      mail,
      client: { address: entry.meta.client.address, helo: entry.meta.client.helo },
      auth: entry.meta.auth ?? null,
      localDomains: await this.#localDomains(),
    };
    const global = await this.#global.current();
    const user = await userSpamModel(this.#o.shards.get(input.shard).db, input.userId, () => messageTokens(entry.raw, mail));
    const result = await scoreMessage(spamInput, {
      bayes: { global, user },
      resolver: this.#o.resolver,
      dnsbl: this.#o.dnsblZones.map((zone) => ({ zone })),
      threshold: this.#o.threshold,
      now: entry.receivedAt,
    });
    return outcome(result);
  }

  /** `sender` is the envelope sender: the Return-Path the message will arrive with. */
  async outbound(raw: Buffer, mail: ParsedMail, sender: string): Promise<SpamOutcome & { threshold: number }> {
    const result = await scoreOutbound({ raw, mail, client: null, auth: null, localDomains: [], mailFrom: sender }, { bayes: { global: await this.#global.current() }, threshold: this.#o.threshold });
    return outcome(result);
  }
}
