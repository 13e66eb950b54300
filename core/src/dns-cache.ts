// A small answer cache in front of the resolver for the lookups of sender authentication. An MX asks
// the same few names over and over (a sender's SPF record, its includes, its DMARC policy) for every
// message; a caching resolver beside it (unbound) is what a production MX runs, and this keeps the
// core fast without one. Answers and "no such record" are kept for `ttlMs`; failures (timeouts) are not,
// so a DNS outage is retried on the next message.
import { isNoData } from "./dns.ts";

export type ResolveFn = (name: string, rrtype: string) => Promise<unknown>;

export function cachedResolve(resolve: ResolveFn, options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}): ResolveFn {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { at: number; answer: Promise<unknown> }>();
  return (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const hit = entries.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.answer;
    const answer = resolve(name, rrtype);
    // Concurrent lookups of one name share the query in flight.
    entries.delete(key);
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, { at: now(), answer });
    answer.catch((err: unknown) => {
      if (!isNoData(err) && entries.get(key)?.answer === answer) entries.delete(key);
    });
    return answer;
  };
}
