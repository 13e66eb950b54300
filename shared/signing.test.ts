import { describe, expect, it } from "vitest";
import { sha256Hex, toBase64Url, utf8 } from "./encoding.ts";
import { nodeCrypto } from "./node-crypto.ts";
import { audienceOf, signRequest, signatureHeaders, verifyRequest, SIGNATURE_MAX_SKEW_MS } from "./signing.ts";

const secret = "s".repeat(40);
const coreA = "http://10.0.0.5:8788";
const req = { method: "GET", pathAndQuery: "/internal/v1/users/x/folders?limit=5", body: "" };
const headersOf = (h: Record<string, string>) => new Headers(h);

describe("internal request signing", () => {
  it("verifies what it signed for this receiver", async () => {
    const h = await signRequest(secret, `${coreA}/internal/v1/users/x/folders?limit=5`, req);
    expect(h[signatureHeaders.audience]).toBe(coreA);
    const check = await verifyRequest(secret, [coreA], req, headersOf(h));
    expect(check.ok).toBe(true);
  });

  it("refuses a changed path, method, body or secret", async () => {
    const h = headersOf(await signRequest(secret, coreA, req));
    expect(await verifyRequest(secret, [coreA], { ...req, pathAndQuery: "/internal/v1/users/y/folders?limit=5" }, h)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifyRequest(secret, [coreA], { ...req, method: "DELETE" }, h)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifyRequest(secret, [coreA], { ...req, body: "{}" }, h)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifyRequest("t".repeat(40), [coreA], req, h)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses a request signed for another receiver, and an audience changed on the way", async () => {
    const h = await signRequest(secret, coreA, req);
    // Core B of the same region, with the same secret.
    expect(await verifyRequest(secret, ["http://10.0.0.6:8788"], req, headersOf(h))).toEqual({ ok: false, reason: "other-audience" });
    // Relabelled for core B: the audience is signed.
    const relabelled = headersOf({ ...h, [signatureHeaders.audience]: "http://10.0.0.6:8788" });
    expect(await verifyRequest(secret, ["http://10.0.0.6:8788"], req, relabelled)).toEqual({ ok: false, reason: "bad-signature" });
    // A receiver reached by several names accepts each.
    expect((await verifyRequest(secret, ["https://core-1.eu.example.com", coreA], req, headersOf(h))).ok).toBe(true);
  });

  it("names a receiver by its origin: scheme, host and port, no path, default ports left out", () => {
    expect(audienceOf("https://core-1.eu.example.com:443/internal/v1/x?y=1")).toBe("https://core-1.eu.example.com");
    expect(audienceOf("http://[::1]:8788/")).toBe("http://[::1]:8788");
    expect(audienceOf("HTTP://Core.Example.COM:8788")).toBe("http://core.example.com:8788");
  });

  it("refuses unsigned, malformed and expired requests", async () => {
    expect(await verifyRequest(secret, [coreA], req, headersOf({}))).toEqual({ ok: false, reason: "missing" });
    const h = await signRequest(secret, coreA, req);
    expect(await verifyRequest(secret, [coreA], req, headersOf({ ...h, [signatureHeaders.timestamp]: "soon" }))).toEqual({ ok: false, reason: "malformed" });
    const old = await signRequest(secret, coreA, req, Date.now() - SIGNATURE_MAX_SKEW_MS - 1000);
    expect(await verifyRequest(secret, [coreA], req, headersOf(old))).toEqual({ ok: false, reason: "expired" });
  });

  // The core signs and checks with node:crypto, the edge (workerd) with WebCrypto: the two must agree.
  it("in Node uses node:crypto, whose MAC is WebCrypto's", async () => {
    expect(nodeCrypto).toBeDefined();
    const body = "x".repeat(5000);
    const h = await signRequest(secret, coreA, { ...req, method: "POST", body });
    const canonical = ["edgemail-v2", coreA, "POST", req.pathAndQuery, h[signatureHeaders.timestamp], h[signatureHeaders.nonce], await sha256Hex(body)].join("\n");
    const key = await crypto.subtle.importKey("raw", utf8(secret) as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    expect(h[signatureHeaders.signature]).toBe(toBase64Url(await crypto.subtle.sign("HMAC", key, utf8(canonical) as Uint8Array<ArrayBuffer>)));
    expect(await sha256Hex(body)).toBe([...new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(body) as Uint8Array<ArrayBuffer>))].map((b) => b.toString(16).padStart(2, "0")).join(""));
  });
});
