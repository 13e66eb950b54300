// Remote images through the edge, inside workerd, fetched from a real image host on loopback
// (edge/test/image-server.ts). The tests' edge allows private targets (that host is on loopback);
// the URL policy of a deployed edge is checked with WEBHOOK_ALLOW_PRIVATE=false, as the webhook
// tests do, and the made-up DNS zones of edge/test/webhook-dns.ts.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ProblemError, type Problem } from "../../../shared/problem.ts";
import { api, clientIp, login } from "../../test/api.ts";
import { imageUrl, PIXEL_PNG, seenRequest } from "../../test/image-server.ts";
import { seed } from "../../test/seed.ts";
import { webhookDnsUrl } from "../../test/webhook-dns.ts";
import { app } from "../index.ts";
import { fetchRemoteImage } from "../remote-content/fetch-image.ts";
import { dohResolver } from "../webhooks/doh-resolver.ts";

let token = "";

beforeAll(async () => {
  token = await login(seed.alice.address, seed.alice.password);
});

const proxied = (url: string, headers: Record<string, string> = {}) => api(`/api/v1/remote-content?url=${encodeURIComponent(url)}`, { token, headers });

async function problem(res: Response, status: number): Promise<Problem> {
  expect(res.status, await res.clone().text()).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Problem;
}

describe("GET /api/v1/remote-content", () => {
  it("answers the image's bytes and type alone, asked for as nobody in particular", async () => {
    const key = crypto.randomUUID();
    const res = await proxied(imageUrl(`/pixel.png?key=${key}`), { cookie: "session=secret", referer: "https://mail.example/inbox" });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PIXEL_PNG);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("cache-control")).toBe("private, max-age=86400");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'");
    for (const upstreamOnly of ["set-cookie", "x-tracker", "access-control-allow-origin"]) expect(res.headers.get(upstreamOnly), upstreamOnly).toBeNull();

    const seen = await seenRequest(key);
    expect(seen?.headers["user-agent"]).toBe("edgemail-image-proxy");
    for (const revealing of ["cookie", "referer", "authorization", "cf-connecting-ip", "x-forwarded-for"]) expect(seen?.headers[revealing], revealing).toBeUndefined();
  });

  it("refuses what is not a raster image: SVG (it can carry script), HTML", async () => {
    expect((await problem(await proxied(imageUrl("/logo.svg")), 415)).detail).toMatch(/image\/svg\+xml; SVG is not passed on/);
    expect((await problem(await proxied(imageUrl("/page.html")), 415)).detail).toMatch(/text\/html/);
  });

  it("refuses more than 5 MB, told by Content-Length or counted", async () => {
    expect((await problem(await proxied(imageUrl("/big.png")), 413)).detail).toBe(`The image is larger than ${5 * 1024 * 1024} bytes.`);
    expect((await problem(await proxied(imageUrl("/big-chunked.png")), 413)).detail).toBe(`The image is larger than ${5 * 1024 * 1024} bytes.`);
  });

  it("follows at most 3 redirects, each held to the URL policy", async () => {
    const three = await proxied(imageUrl("/hops/3"));
    expect(three.status).toBe(200);
    expect(new Uint8Array(await three.arrayBuffer())).toEqual(PIXEL_PNG);
    expect((await problem(await proxied(imageUrl("/hops/4")), 502)).detail).toBe("The image URL redirects more than 3 times.");
    // Refused even where private targets are allowed: the policy judged the hop, not the first URL.
    const hidden = await problem(await proxied(imageUrl(`/redirect?to=${encodeURIComponent("http://user:pw@127.0.0.1/pixel.png")}`)), 400);
    expect(hidden.errors).toEqual([{ field: "query.url", message: "redirects to a URL that must not contain a user name or password" }]);
    const ftp = await problem(await proxied(imageUrl(`/redirect?to=${encodeURIComponent("ftp://files.example.com/x.png")}`)), 400);
    expect(ftp.errors).toEqual([{ field: "query.url", message: "redirects to a URL that must be an http or https URL" }]);
  });

  it("answers 502 for the remote server's errors and failures", async () => {
    expect((await problem(await proxied(imageUrl("/status/404")), 502)).detail).toBe("The image's server answered 404.");
    expect((await problem(await proxied(imageUrl("/status/500")), 502)).detail).toBe("The image's server answered 500.");
    expect((await problem(await proxied("http://127.0.0.1:9/pixel.png"), 502)).detail).toBe("The image's server could not be reached (127.0.0.1:9).");
  });

  it("answers 504 when the remote server is too slow", async () => {
    // Called directly for a short limit (the route's is 10 s); workerd's fetch must be called unbound.
    const fetcher: typeof fetch = (input, init) => fetch(input, init);
    const got = await fetchRemoteImage(imageUrl("/slow.png/3000"), { fetch: fetcher, allowPrivate: true, resolver: dohResolver(webhookDnsUrl(), fetcher), timeoutMs: 300 }).catch((e: unknown) => e);
    expect(got).toBeInstanceOf(ProblemError);
    expect((got as ProblemError).problem).toMatchObject({ status: 504, detail: "The image's server did not answer within 0.3 s." });
  });

  it("refuses a missing or malformed url, naming it", async () => {
    expect((await problem(await api("/api/v1/remote-content", { token }), 400)).errors?.[0]?.field).toBe("query.url");
    for (const [url, message] of [
      ["not a url", "is not a URL"],
      ["/relative.png", "is not a URL"],
      ["file:///etc/passwd", "must be an http or https URL"],
      ["javascript:alert(1)", "must be an http or https URL"],
    ]) {
      expect((await problem(await proxied(url!), 400)).errors, url).toEqual([{ field: "query.url", message }]);
    }
  });

  it("on a deployed edge, refuses URLs that lead inside, naming url; plain http on any port gets as far as DNS", async () => {
    const deployed = { ...env, WEBHOOK_ALLOW_PRIVATE: "false", WEBHOOK_DNS_URL: webhookDnsUrl() };
    const request = (url: string) =>
      app.request(`/api/v1/remote-content?url=${encodeURIComponent(url)}`, { headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": clientIp() } }, deployed);
    const refused: [string, string][] = [
      [imageUrl("/pixel.png"), "points to a loopback address (127.0.0.0/8)"],
      ["http://[::1]:8080/pixel.png", "points to a loopback address (::1/128)"],
      ["http://169.254.169.254/latest/meta-data", "points to a link-local address (169.254.0.0/16)"],
      ["http://10.0.0.7/x.png", "points to a private address (10.0.0.0/8)"],
      ["http://localtest.me:8081/pixel.png", "has a host (localtest.me) that resolves to a loopback address (127.0.0.0/8)"],
      ["http://mixed.hooks-test.net/x.png", "has a host (mixed.hooks-test.net) that resolves to a private address (10.0.0.0/8)"],
      ["http://printer.local/x.png", "names a multicast DNS name on the local network (.local)"],
    ];
    for (const [url, message] of refused) {
      const p = await problem(await request(url), 400);
      expect(p.errors, url).toEqual([{ field: "query.url", message }]);
      expect(p.detail, url).toBe(`The image URL is not allowed: ${message}.`);
    }
    // DNS that does not answer: try again rather than fetch an unchecked name.
    const unchecked = await app.request(
      `/api/v1/remote-content?url=${encodeURIComponent("http://public.hooks-test.net:8081/x.png")}`,
      { headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": clientIp() } },
      { ...deployed, WEBHOOK_DNS_URL: "http://127.0.0.1:9/dns-query" },
    );
    expect((await problem(unchecked, 503)).detail).toMatch(/^Could not check where the image URL leads \(DNS lookup of public\.hooks-test\.net failed: ECONNREFUSED\); try again\.$/);
  });
});
