// A user's mail to someone homed in another region leaves from the sender's home region like any
// outgoing mail (queued, retried, bounced by this delivery agent), but its hop is the recipient's home
// core over the signed relay (../inbound/region-relay.ts) rather than SMTP to an MX: RCPT is asked of
// the home region (its 550 bounces, its 452 defers), then the message is handed over and counts as
// delivered once the home region's spool holds it.
import { uuidv7 } from "../../../../shared/ids.ts";
import type { Directory } from "../../store/directory.ts";
import type { GlobalDirectory } from "../../store/global-directory.ts";
import { RelayFailed, type RegionRelay } from "../inbound/region-relay.ts";
import type { RecipientResult } from "./deliver.ts";

export interface RegionDeliveryDeps {
  directory: Pick<Directory, "isHostedDomain" | "resolve">;
  global: Pick<GlobalDirectory, "elsewhere">;
  relay: Pick<RegionRelay, "checkRecipient" | "deliver">;
  region: string;
  hostname: string;
}

export class RegionDelivery {
  readonly #d: RegionDeliveryDeps;

  constructor(deps: RegionDeliveryDeps) {
    this.#d = deps;
  }

  /** For recipients at a domain hosted here (queued because another region is their home): each one's
   * home region, or null for one homed nowhere now. Null for a domain not hosted here: SMTP as usual. */
  async homesOf(domain: string, recipients: string[]): Promise<(string | null)[] | null> {
    if (!(await this.#d.directory.isHostedDomain(domain))) return null;
    return Promise.all(
      recipients.map(async (recipient) => {
        const resolution = await this.#d.directory.resolve(recipient);
        return resolution.kind === "unknown-user" ? this.#d.global.elsewhere(resolution.candidates, this.#d.region) : null;
      }),
    );
  }

  async send(region: string, sender: string, recipients: string[], raw: Buffer): Promise<RecipientResult[]> {
    const results: RecipientResult[] = [];
    const taken: string[] = [];
    for (const recipient of recipients) {
      const answer = await this.#d.relay.checkRecipient(region, { address: recipient, mailFrom: sender, clientAddress: "127.0.0.1", declaredSize: raw.length });
      if (answer.accept) taken.push(recipient);
      else results.push({ recipient, outcome: answer.reply.code >= 500 ? "bounced" : "deferred", reply: `${answer.reply.code} ${answer.reply.status} ${answer.reply.text}` });
    }
    if (taken.length === 0) return results;
    const id = uuidv7();
    try {
      await this.#d.relay.deliver(region, { id, receivedAt: Date.now(), mailFrom: sender, recipients: taken, client: { address: "127.0.0.1", helo: this.#d.hostname, tls: true } }, raw);
      for (const recipient of taken) results.push({ recipient, outcome: "delivered", reply: `250 2.0.0 handed to region ${region} as ${id}` });
    } catch (err) {
      if (!(err instanceof RelayFailed)) throw err;
      for (const recipient of taken) results.push({ recipient, outcome: "deferred", reply: `${err.reply.code} ${err.reply.status} ${err.reply.text}` });
    }
    return results;
  }
}
