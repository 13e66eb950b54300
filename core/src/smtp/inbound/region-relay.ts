// Mail an MX receives for a user homed in another region goes to that region's core over a signed
// internal call, as a Postfix relay hands mail to the next hop over LMTP: at RCPT the home region
// answers for its user (550, 452 or yes), and at DATA the message is answered 250 only once the home
// region's spool has synced it; if the home region cannot be reached or does not take it, the sender
// gets 451 and keeps the message. The call is signed with the secret the regions share, so the home
// core takes it from its peers only: no one else can hand it mail this way (never an open relay).
import { signRequest } from "../../../../shared/signing.ts";
import type { Logger } from "../../log.ts";
import type { SmtpReply } from "../reply.ts";
import { encodeRelayBody, RELAY_PATHS, RelayDeliverAnswer, RelayLoginAnswer, RelayRcptAnswer, RelaySubmitAnswer, type RelayEnvelope, type RelayRcptRequest } from "./relay-envelope.ts";
import type { z } from "zod";
import type { RelaySubmission } from "./relay-envelope.ts";

const RCPT_TIMEOUT_MS = 10_000;
const DELIVER_TIMEOUT_MS = 60_000;

/** A recipient homed in another region: handed to it at DATA, never spooled here. */
export interface RelayedRecipient {
  address: string;
  region: string;
}

export const relayReplies = {
  unreachable: (region: string): SmtpReply => ({ code: 451, status: "4.4.1", text: `the recipient's home region (${region}) cannot be reached just now, try again later` }),
  notTaken: (region: string): SmtpReply => ({ code: 451, status: "4.4.0", text: `the recipient's home region (${region}) did not take the message, try again later` }),
  moving: (address: string): SmtpReply => ({ code: 450, status: "4.2.1", text: `<${address}>: mailbox is being moved, try again later` }),
};

export class RelayFailed extends Error {
  readonly reply: SmtpReply;
  constructor(reply: SmtpReply, options?: ErrorOptions) {
    super(reply.text, options);
    this.name = "RelayFailed";
    this.reply = reply;
  }
}

export class RegionRelay {
  readonly #peers: Record<string, string[]>;
  readonly #secret: string;
  readonly #log: Logger;
  #turn = 0;

  constructor(options: { peers: Record<string, string[]>; secret: string; log: Logger }) {
    this.#peers = options.peers;
    this.#secret = options.secret;
    this.#log = options.log;
  }

  /** The home region's own answer to RCPT TO for `address`. */
  async checkRecipient(region: string, request: RelayRcptRequest): Promise<{ accept: true } | { accept: false; reply: SmtpReply }> {
    const response = await this.#post(region, RELAY_PATHS.rcpt, JSON.stringify(request), "application/json", RCPT_TIMEOUT_MS);
    const answer = response?.ok ? RelayRcptAnswer.safeParse(await response.json().catch(() => null)) : null;
    if (!answer?.success) {
      if (response) this.#log.warn("relay: the home region answered RCPT with something else", { region, status: response.status });
      return { accept: false, reply: relayReplies.unreachable(region) };
    }
    return answer.data;
  }

  /** Resolves once the home region holds the message durably; throws RelayFailed otherwise. */
  async deliver(region: string, envelope: RelayEnvelope, raw: Uint8Array): Promise<void> {
    const response = await this.#post(region, RELAY_PATHS.deliver, encodeRelayBody(envelope, raw), "application/octet-stream", DELIVER_TIMEOUT_MS);
    if (!response) throw new RelayFailed(relayReplies.unreachable(region));
    const answer = response.ok ? RelayDeliverAnswer.safeParse(await response.json().catch(() => null)) : null;
    if (!answer?.success) {
      this.#log.warn("relay: the home region did not take a message", { region, status: response.status, id: envelope.id, detail: response.ok ? null : await response.text().catch(() => "") });
      throw new RelayFailed(relayReplies.notTaken(region));
    }
  }

  /** The home region's password check for a mail app signed in at this region's submission port. */
  async submissionLogin(region: string, credentials: { address: string; password: string; ip: string }): Promise<RelayLoginAnswer> {
    const response = await this.#post(region, RELAY_PATHS.login, JSON.stringify(credentials), "application/json", RCPT_TIMEOUT_MS);
    const answer = response?.ok ? RelayLoginAnswer.safeParse(await response.json().catch(() => null)) : null;
    if (!answer?.success) throw new RelayFailed({ code: 454, status: "4.7.0", text: `temporary authentication failure: your home region (${region}) cannot be reached just now` });
    return answer.data;
  }

  /** Submits `message` in the user's home region (its checks, quota, Sent copy and delivery). */
  async submit(region: string, userId: string, s: Omit<z.infer<typeof RelaySubmission>, "userId"> & { message: Buffer }): Promise<{ messageId: string } | { refuse: SmtpReply }> {
    const { message, ...rest } = s;
    const response = await this.#post(region, RELAY_PATHS.submit, encodeRelayBody({ userId, ...rest }, message), "application/octet-stream", DELIVER_TIMEOUT_MS);
    const answer = response?.ok ? RelaySubmitAnswer.safeParse(await response.json().catch(() => null)) : null;
    if (!answer?.success) throw new RelayFailed(response ? relayReplies.notTaken(region) : relayReplies.unreachable(region));
    return answer.data;
  }

  /** The response of the first of the region's cores that answers, or null when none could be reached. */
  async #post(region: string, pathname: string, body: string | Uint8Array, contentType: string, timeoutMs: number): Promise<Response | null> {
    const urls = this.#peers[region] ?? [];
    const start = this.#turn++;
    for (let i = 0; i < urls.length; i++) {
      const url = new URL(pathname, urls[(start + i) % urls.length]);
      const signature = await signRequest(this.#secret, url, { method: "POST", pathAndQuery: url.pathname, body });
      try {
        return await fetch(url, { method: "POST", headers: { ...signature, "content-type": contentType }, body, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        // A delivery that timed out may still have been taken: the sender's retry can then bring a
        // second copy, as with any relay that loses the answer to DATA (RFC 5321 §6.1 allows it).
        this.#log.warn("relay: a core of the home region cannot be reached", { region, url: url.origin, err: String(err) });
        if ((pathname === RELAY_PATHS.deliver || pathname === RELAY_PATHS.submit) && err instanceof Error && err.name === "TimeoutError") return null;
      }
    }
    if (urls.length === 0) this.#log.error("relay: no core is configured for a region the global directory names (REGION_PEERS)", { region });
    return null;
  }
}
