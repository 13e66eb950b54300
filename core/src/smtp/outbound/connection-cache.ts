// Idle SMTP sessions kept per next hop, as Postfix's scache keeps them (smtp_connection_cache_on_demand):
// under load the next message for a host goes over a connection that has already been greeted (and
// logged in, at a smart host) instead of paying a TCP handshake, a banner and an EHLO. A session idle
// for longer than `idleMs` is closed (Postfix's smtp_connection_cache_time_limit, 2 s), so a quiet
// agent holds no connections open at remote servers.
import { SmtpSession } from "./deliver.ts";
import type { NextHop } from "./route.ts";

const hopKey = (hop: NextHop) => `${hop.address}|${hop.port}|${hop.auth?.user ?? ""}`;

export class ConnectionCache {
  readonly #idle = new Map<string, { session: SmtpSession; timer: NodeJS.Timeout }[]>();
  readonly #idleMs: number;
  #opened = 0;
  #reused = 0;

  constructor(idleMs = 2000) {
    this.#idleMs = idleMs;
  }

  /** An idle session to `hop` if one is usable, else a new connection (or the reply to give every
   * recipient when it could not be opened). */
  async take(hop: NextHop, heloName: string, timeoutMs?: number): Promise<SmtpSession | { failed: string }> {
    const idle = this.#idle.get(hopKey(hop));
    while (idle && idle.length > 0) {
      const { session, timer } = idle.pop()!;
      clearTimeout(timer);
      if (session.usable) {
        this.#reused++;
        return session;
      }
      session.close();
    }
    this.#opened++;
    return SmtpSession.open(hop, heloName, timeoutMs);
  }

  /** Keeps a session after its message for the next one to the same hop (closed if it cannot carry one). */
  give(session: SmtpSession): void {
    if (!session.usable) return session.close();
    const key = hopKey(session.hop);
    const list = this.#idle.get(key) ?? [];
    const entry = {
      session,
      timer: setTimeout(() => {
        const at = list.indexOf(entry);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0 && this.#idle.get(key) === list) this.#idle.delete(key);
        session.close();
      }, this.#idleMs),
    };
    entry.timer.unref();
    list.push(entry);
    this.#idle.set(key, list);
  }

  /** Connections opened and sessions reused so far (for the log and the tests). */
  get stats(): { opened: number; reused: number; idle: number } {
    let idle = 0;
    for (const list of this.#idle.values()) idle += list.length;
    return { opened: this.#opened, reused: this.#reused, idle };
  }

  closeAll(): void {
    for (const list of this.#idle.values()) {
      for (const { session, timer } of list) {
        clearTimeout(timer);
        session.close();
      }
    }
    this.#idle.clear();
  }
}
