import { describe, expect, it } from "vitest";
import { sha256Hex, toBase64Url, utf8 } from "./encoding.ts";
import { nodeCrypto } from "./node-crypto.ts";
import { signRequest, signatureHeaders, verifyRequest, SIGNATURE_MAX_SKEW_MS } from "./signing.ts";

const secret = "s".repeat(40);
const req = { method: "GET", pathAndQuery: "/internal/v1/users/x/folders?limit=5", body: "" };
const headersOf = (h: Record<string, string>) => new Headers(h);

describe("internal request signing", () => {
  it("verifies what it signed", async () => {
    const h = await signRequest(secret, req);
    const check = await verifyRequest(secret, req, headersOf(h));
    expect(check.ok).toBe(true);
  });

  it("refuses a changed path, method, body or secret", async () => {
    const h = headersOf(await signRequest(secret, req));
    expect(await verifyRequest(secret, { ...req, pathAndQuery: "/internal/v1/users/y/folders?limit=5" }, h)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifyRequest(secret, { ...req, method: "DELETE" }, h)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifyRequest(secret, { ...req, body: "{}" }, h)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifyRequest("t".repeat(40), req, h)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses unsigned, malformed and expired requests", async () => {
    expect(await verifyRequest(secret, req, headersOf({}))).toEqual({ ok: false, reason: "missing" });
    const h = await signRequest(secret, req);
    expect(await verifyRequest(secret, req, headersOf({ ...h, [signatureHeaders.timestamp]: "soon" }))).toEqual({ ok: false, reason: "malformed" });
    const old = await signRequest(secret, req, Date.now() - SIGNATURE_MAX_SKEW_MS - 1000);
    expect(await verifyRequest(secret, req, headersOf(old))).toEqual({ ok: false, reason: "expired" });
  });

  // The core signs and checks with node:crypto, the edge (workerd) with WebCrypto: the two must agree.
  it("in Node uses node:crypto, whose MAC is WebCrypto's", async () => {
    expect(nodeCrypto).toBeDefined();
    const body = "x".repeat(5000);
    const h = await signRequest(secret, { ...req, method: "POST", body });
    const canonical = ["edgemail-v1", "POST", req.pathAndQuery, h[signatureHeaders.timestamp], h[signatureHeaders.nonce], await sha256Hex(body)].join("\n");
    const key = await crypto.subtle.importKey("raw", utf8(secret) as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    expect(h[signatureHeaders.signature]).toBe(toBase64Url(await crypto.subtle.sign("HMAC", key, utf8(canonical) as Uint8Array<ArrayBuffer>)));
    expect(await sha256Hex(body)).toBe([...new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(body) as Uint8Array<ArrayBuffer>))].map((b) => b.toString(16).padStart(2, "0")).join(""));
  });
});
