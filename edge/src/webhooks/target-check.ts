// A URL checked to the end on runtimes whose fetch() resolves names itself (Workers): the URL as
// written (url-policy.ts, by its profile), then every address its host resolves to. For a webhook,
// at creation that refuses `localtest.me` and `127.0.0.1.nip.io` before a single delivery; before
// each delivery it catches a name whose records changed since. A remote image is checked so at
// every hop of its redirects (remote-content/fetch-image.ts). It cannot pin the address fetch() will use (see
// url-policy.ts); where the runtime lets us connect ourselves, pinned-fetch.node.ts does.
import { parseIpv4 } from "../../../shared/ip-ranges.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { resolveWebhookHost, WebhookTargetRefused, type AddressResolver } from "./resolve-host.ts";
import { checkUrl, type UrlProfile } from "./url-policy.ts";

/** Addresses are judged as written by checkUrl; only names are resolved. */
function isAddress(hostname: string): boolean {
  return hostname.startsWith("[") || parseIpv4(hostname) !== null;
}

/** null when `url` may be requested as `profile` says; otherwise the problem, phrased to follow
 * "The URL …". Throws a 503 problem when DNS does not answer: better to ask again than to let it through. */
export async function checkTarget(url: string, profile: UrlProfile, allowPrivate: boolean, resolver: AddressResolver): Promise<string | null> {
  const problem = checkUrl(url, profile, allowPrivate);
  if (problem || allowPrivate) return problem;
  const host = new URL(url).hostname;
  if (isAddress(host)) return null;
  const found = await resolveWebhookHost(host, resolver);
  if (found.kind === "unanswered") {
    throw new ProblemError("unavailable", `Could not check where the ${profile.what} leads (${found.reason}); try again.`, { headers: { "retry-after": "30" } });
  }
  return found.kind === "ok" ? null : found.reason;
}

/** `fetcher` behind a fresh look at the host's addresses: a special-purpose one rejects with
 * WebhookTargetRefused (delivery reports the webhook gone); no answer is a failed attempt. */
export function checkedWebhookFetch(fetcher: typeof fetch, resolver: AddressResolver): typeof fetch {
  return async (input, init) => {
    const { hostname } = new URL(input instanceof Request ? input.url : String(input));
    if (!isAddress(hostname)) {
      const found = await resolveWebhookHost(hostname, resolver);
      if (found.kind === "refused") throw new WebhookTargetRefused(found.reason);
      if (found.kind !== "ok") throw new Error(`the URL ${found.reason}`);
    }
    return fetcher(input, init);
  };
}
