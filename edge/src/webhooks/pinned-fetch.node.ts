// The webhook consumer's fetch (WebhookConsumerOptions.fetch) on runtimes that can resolve names
// and open connections themselves (Node; Deno through its node: modules). It resolves the URL's
// host once, refuses the request if *any* address is special-purpose, and connects to the very
// addresses it checked: node:http/https take a `lookup` function, which replaces the resolution
// of the connection itself, so there is no second lookup a rebinding name could answer
// differently. The request still names the host, so the Host header, TLS SNI and the
// certificate check are those of the name. node:https rather than undici's Agent
// (`connect.lookup`): it is built in, and undici would be a new dependency for the same hook.
// Redirects are not followed (node:http never does), so a 3xx is a failed attempt.
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { Readable } from "node:stream";
import { parseIp } from "../../../shared/ip-ranges.ts";
import { refusedAddress, resolveWebhookHost, WebhookTargetRefused, type AddressResolver, type ResolveOptions } from "./resolve-host.ts";

export interface PinnedFetchOptions extends ResolveOptions {
  /** node:dns/promises' Resolver (with the deployment's DNS servers), or dohResolver. */
  resolver: AddressResolver;
  /** Certificate authorities to trust instead of Node's bundled ones (tests' own CA). */
  tlsCa?: string | Buffer;
}

function pinnedLookup(options: PinnedFetchOptions): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    const fail = (err: Error) => callback(err, "", 0);
    resolveWebhookHost(hostname, options.resolver, options).then((found) => {
      if (found.kind === "refused") return fail(new WebhookTargetRefused(found.reason));
      if (found.kind !== "ok") return fail(Object.assign(new Error(`the URL ${found.reason}`), { code: found.kind === "none" ? "ENOTFOUND" : "EAI_AGAIN" }));
      const wanted = lookupOptions.family === 4 || lookupOptions.family === "IPv4" ? 4 : lookupOptions.family === 6 || lookupOptions.family === "IPv6" ? 6 : 0;
      const addresses = found.addresses.filter((a) => wanted === 0 || a.family === wanted);
      if (addresses.length === 0) return fail(Object.assign(new Error(`${hostname} has no IPv${wanted} address`), { code: "ENOTFOUND" }));
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    }, fail);
  };
}

export function pinnedWebhookFetch(options: PinnedFetchOptions): typeof fetch {
  const lookup = pinnedLookup(options);
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError(`cannot fetch ${url.protocol} URLs`);
    // An address in the URL is never looked up: judge it here.
    const literal = parseIp(url.hostname.replace(/^\[(.*)\]$/, "$1"));
    const refused = literal && refusedAddress(literal, options.allowRanges);
    if (refused) throw new WebhookTargetRefused(`points to ${refused}`);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const signal = request.signal;
    return new Promise<Response>((resolve, reject) => {
      const req = (url.protocol === "https:" ? https : http).request(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: Object.fromEntries(request.headers),
          lookup,
          ...(options.tlsCa ? { ca: options.tlsCa } : {}),
          // A connection of its own: a pooled socket would have been checked for another request.
          agent: false,
          signal,
        },
        (res) => {
          const headers = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const status = res.statusCode ?? 502;
          const bodyless = request.method === "HEAD" || status === 204 || status === 205 || status === 304;
          if (bodyless) res.resume();
          resolve(new Response(bodyless ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage, headers }));
        },
      );
      // fetch rejects with the signal's reason (a TimeoutError for AbortSignal.timeout), as delivery expects.
      req.on("error", (err) => reject(signal.aborted ? signal.reason : err));
      req.end(body);
    });
  };
}
