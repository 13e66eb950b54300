// The pinned webhook fetch under Node, as the webhook consumer's fetch: names resolved by a real
// DNS server on loopback (made-up zones), deliveries to a real HTTP(S) receiver on 127.0.0.1. The
// receiver is live in every test, so "refused" means nothing reached it, not that nothing listened.
import { execFileSync } from "node:child_process";
import { Resolver } from "node:dns/promises";
import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ClientEvent } from "../../../shared/events.ts";
import { startDnsServer, type DnsServer } from "../../../test/support/dns-server.ts";
import type { QueuedMessage, WebhookDelivery } from "../queue-messages.ts";
import { consumeWebhooks, webhookLimits } from "./delivery.ts";
import { pinnedWebhookFetch, type PinnedFetchOptions } from "./pinned-fetch.node.ts";
import { resolveWebhookHost } from "./resolve-host.ts";
import { newWebhookSecret, verifyWebhook } from "./signature.ts";

interface Received {
  host: string | undefined;
  servername?: string | false | null;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function receiver(server: http.Server | https.Server): { received: Received[]; listen(): Promise<number>; close(): Promise<void> } {
  const received: Received[] = [];
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername, headers: req.headers, body: Buffer.concat(chunks).toString() });
      // /slow answers after two seconds, for the timeout.
      setTimeout(() => res.writeHead(200).end("thanks"), req.url === "/slow" ? 2000 : 0);
    });
  });
  return {
    received,
    listen: () => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A certificate for hooks.hooks-test.net only (null without the openssl command). */
function certificate(): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-tls-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${dir}/k.pem`, "-out", `${dir}/c.pem`, "-days", "2", "-subj", "/CN=hooks.hooks-test.net", "-addext", "subjectAltName=DNS:hooks.hooks-test.net"],
      { stdio: "ignore" },
    );
    return { key: readFileSync(`${dir}/k.pem`), cert: readFileSync(`${dir}/c.pem`) };
  } catch {
    return null;
  }
}

const event: ClientEvent<"folder.counts"> = { cursor: 7, type: "folder.counts", at: "2026-11-25T10:00:00.000Z", data: { folders: [] } };

function delivery(url: string): WebhookDelivery {
  return { deliveryId: `dlv_${crypto.randomUUID()}`, userId: "u1", webhookId: crypto.randomUUID(), url, secret: newWebhookSecret(), event };
}

type Settled = { as: "ack" } | { as: "retry"; delaySeconds: number };

/** Runs one delivery through the consumer; what it did with the message, and what it reported gone. */
async function deliver(d: WebhookDelivery, fetchOptions: Partial<PinnedFetchOptions> = {}, { allowPrivate = true, timeoutMs = 5000, attempts = 1 } = {}) {
  let settled: Settled | undefined;
  const gone: string[] = [];
  const m: QueuedMessage<WebhookDelivery> = {
    body: d,
    attempts,
    ack: () => void (settled = { as: "ack" }),
    retry: (delaySeconds) => void (settled = { as: "retry", delaySeconds }),
  };
  await consumeWebhooks([m], {
    fetch: pinnedWebhookFetch({ resolver, ...fetchOptions }),
    allowPrivate,
    stillWanted: async () => true,
    onGone: async (_d, reason) => void gone.push(reason),
    timeoutMs,
  });
  return { settled, gone };
}

let dns: DnsServer;
let resolver: Resolver;
const plain = receiver(http.createServer());
let port: number;
const tls = certificate();
const secure = tls ? receiver(https.createServer({ key: tls.key, cert: tls.cert })) : null;
let securePort = 0;
const LOOPBACK_ALLOWED = { allowRanges: ["127.0.0.0/8", "::1/128"] };

beforeAll(async () => {
  dns = await startDnsServer({
    "loopback.hooks-test.net": { A: ["127.0.0.1"] },
    "mixed.hooks-test.net": { A: ["93.184.215.14", "127.0.0.1"] },
    "v6loopback.hooks-test.net": { A: ["93.184.215.14"], AAAA: ["::1"] },
    "nat64.hooks-test.net": { AAAA: ["64:ff9b::7f00:1"] },
    "hooks.hooks-test.net": { A: ["127.0.0.1"] },
    "other.hooks-test.net": { A: ["127.0.0.1"] },
  });
  resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([dns.address]);
  port = await plain.listen();
  if (secure) securePort = await secure.listen();
});

afterAll(async () => {
  await Promise.all([dns.close(), plain.close(), secure?.close()]);
});

describe("pinnedWebhookFetch", () => {
  it("refuses a name that resolves to 127.0.0.1: the webhook is reported gone and nothing reaches the receiver", async () => {
    const before = plain.received.length;
    const { settled, gone } = await deliver(delivery(`http://loopback.hooks-test.net:${port}/hook`));
    expect(settled).toEqual({ as: "ack" });
    expect(gone).toEqual(["the URL has a host (loopback.hooks-test.net) that resolves to a loopback address (127.0.0.0/8)"]);
    expect(plain.received.length).toBe(before);
  });

  it("refuses a name with one public and one private address, in either family, and a NAT64 address of loopback", async () => {
    const before = plain.received.length;
    const refusals = [];
    for (const name of ["mixed", "v6loopback", "nat64"]) refusals.push((await deliver(delivery(`http://${name}.hooks-test.net:${port}/hook`))).gone);
    expect(refusals).toEqual([
      ["the URL has a host (mixed.hooks-test.net) that resolves to a loopback address (127.0.0.0/8)"],
      ["the URL has a host (v6loopback.hooks-test.net) that resolves to a loopback address (::1/128)"],
      ["the URL has a host (nat64.hooks-test.net) that resolves to a loopback address (127.0.0.0/8) inside a NAT64 address (64:ff9b::/96)"],
    ]);
    expect(plain.received.length).toBe(before);
  });

  it("refuses at connect a name that answered a public address when checked and a private one since (DNS rebinding)", async () => {
    dns.set({ "rebind.hooks-test.net": { A: ["93.184.215.14"] } });
    // The check a webhook's creation makes: the name is fine then.
    expect(await resolveWebhookHost("rebind.hooks-test.net", resolver)).toEqual({ kind: "ok", addresses: [{ address: "93.184.215.14", family: 4 }] });
    dns.set({ "rebind.hooks-test.net": { A: ["127.0.0.1"] } });
    const before = plain.received.length;
    const { gone } = await deliver(delivery(`http://rebind.hooks-test.net:${port}/hook`));
    expect(gone).toEqual(["the URL has a host (rebind.hooks-test.net) that resolves to a loopback address (127.0.0.0/8)"]);
    expect(plain.received.length).toBe(before);
  });

  it("refuses an address in the URL itself, however the consumer's policy is set", async () => {
    const { gone } = await deliver(delivery(`http://127.0.0.1:${port}/hook`));
    expect(gone).toEqual(["the URL points to a loopback address (127.0.0.0/8)"]);
  });

  it("with loopback allowed for the test, delivers over the connection it checked: one lookup, the name in the Host header", async () => {
    const asked = (): [number, number] => [dns.queries.get("loopback.hooks-test.net/A") ?? 0, dns.queries.get("loopback.hooks-test.net/AAAA") ?? 0];
    const [a0, aaaa0] = asked();
    const d = delivery(`http://loopback.hooks-test.net:${port}/hook?x=1`);
    const { settled, gone } = await deliver(d, LOOPBACK_ALLOWED);
    expect(settled).toEqual({ as: "ack" });
    expect(gone).toEqual([]);
    const r = plain.received.at(-1)!;
    expect(r.host).toBe(`loopback.hooks-test.net:${port}`);
    expect(r.headers["webhook-id"]).toBe(d.deliveryId);
    expect(await verifyWebhook(d.secret, new Headers(r.headers as Record<string, string>), r.body)).toBeNull();
    // Resolved once, by the check that chose the address: nothing resolved it again to connect.
    const [a1, aaaa1] = asked();
    expect([a1 - a0, aaaa1 - aaaa0]).toEqual([1, 1]);
  });

  it("times out a receiver slower than the consumer's limit as fetch would, so delivery names it", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const started = Date.now();
    // The last attempt, so that the consumer gives up and logs why.
    const { settled } = await deliver(delivery(`http://loopback.hooks-test.net:${port}/slow`), LOOPBACK_ALLOWED, { timeoutMs: 300, attempts: webhookLimits.maxAttempts });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(settled).toEqual({ as: "ack" });
    const logged = warn.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);
    expect(logged).toEqual([expect.objectContaining({ msg: "webhook: giving up on a delivery", reason: "no answer within 300 ms" })]);
    warn.mockRestore();
  });

  it("fails (and retries) a name that does not exist, without reporting it gone", async () => {
    const { settled, gone } = await deliver(delivery(`http://missing.hooks-test.net:${port}/hook`), LOOPBACK_ALLOWED);
    expect(settled).toMatchObject({ as: "retry" });
    expect(gone).toEqual([]);
  });

  it.skipIf(!secure)("over https, sends the name as SNI and checks the certificate against the name, not the address (skipped without openssl)", async () => {
    const d = delivery(`https://hooks.hooks-test.net:${securePort}/hook`);
    const { settled } = await deliver(d, { ...LOOPBACK_ALLOWED, tlsCa: tls!.cert });
    expect(settled).toEqual({ as: "ack" });
    const r = secure!.received.at(-1)!;
    expect(r.servername).toBe("hooks.hooks-test.net");
    expect(r.host).toBe(`hooks.hooks-test.net:${securePort}`);
    // Same address, another name: the certificate does not name it, so nothing is sent.
    const before = secure!.received.length;
    const wrong = await deliver(delivery(`https://other.hooks-test.net:${securePort}/hook`), { ...LOOPBACK_ALLOWED, tlsCa: tls!.cert });
    expect(wrong.settled).toMatchObject({ as: "retry" });
    expect(secure!.received.length).toBe(before);
  });
});
