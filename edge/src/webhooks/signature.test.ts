// The Standard Webhooks signature: ours against itself, and against the spec's own JavaScript
// library (the `standardwebhooks` package), which integrators use to verify what we send.
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newWebhookSecret, signWebhook, verifyWebhook, WEBHOOK_TOLERANCE_SECONDS } from "./signature.ts";

const body = JSON.stringify({ type: "message.created", timestamp: "2026-11-25T10:00:00.000Z", data: { cursor: 7 } });
const now = () => Math.floor(Date.now() / 1000);

describe("webhook signatures", () => {
  it("makes secrets of 32 random bytes, whsec_-prefixed", () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(a.slice(6))).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(a);
  });

  it("verifies what it signs, and nothing altered", async () => {
    const secret = newWebhookSecret();
    const headers = await signWebhook(secret, "dlv_1", body);
    expect(headers["webhook-id"]).toBe("dlv_1");
    expect(Math.abs(Number(headers["webhook-timestamp"]) - now())).toBeLessThanOrEqual(1);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(await verifyWebhook(secret, new Headers({ ...headers }), body)).toBeNull();

    expect(await verifyWebhook(secret, new Headers({ ...headers }), body.replace("7", "8"))).toBe("no signature matches");
    expect(await verifyWebhook(newWebhookSecret(), new Headers({ ...headers }), body)).toBe("no signature matches");
    expect(await verifyWebhook(secret, new Headers({ ...headers, "webhook-id": "dlv_2" }), body)).toBe("no signature matches");
    expect(await verifyWebhook(secret, new Headers({ ...headers, "webhook-signature": "v1,not base64!" }), body)).toBe("no signature matches");
    expect(await verifyWebhook(secret, new Headers({ "webhook-id": "dlv_1" }), body)).toMatch(/missing/);
  });

  it("refuses a timestamp more than five minutes off, even with a valid signature", async () => {
    const secret = newWebhookSecret();
    const old = await signWebhook(secret, "dlv_1", body, now() - WEBHOOK_TOLERANCE_SECONDS - 10);
    expect(await verifyWebhook(secret, new Headers({ ...old }), body)).toBe("webhook-timestamp is too far from now");
    const future = await signWebhook(secret, "dlv_1", body, now() + WEBHOOK_TOLERANCE_SECONDS + 10);
    expect(await verifyWebhook(secret, new Headers({ ...future }), body)).toBe("webhook-timestamp is too far from now");
    const recent = await signWebhook(secret, "dlv_1", body, now() - WEBHOOK_TOLERANCE_SECONDS + 10);
    expect(await verifyWebhook(secret, new Headers({ ...recent }), body)).toBeNull();
    // The timestamp is signed: moving it into the window breaks the signature.
    expect(await verifyWebhook(secret, new Headers({ ...old, "webhook-timestamp": String(now()) }), body)).toBe("no signature matches");
  });

  it("accepts any one of several space-separated signatures (secret rotation)", async () => {
    const [previous, current] = [newWebhookSecret(), newWebhookSecret()];
    const t = now();
    const a = await signWebhook(previous, "dlv_1", body, t);
    const b = await signWebhook(current, "dlv_1", body, t);
    const both = new Headers({ ...a, "webhook-signature": `v1a,c29tZXRoaW5nIGVsc2U= ${a["webhook-signature"]} ${b["webhook-signature"]}` });
    expect(await verifyWebhook(previous, both, body)).toBeNull();
    expect(await verifyWebhook(current, both, body)).toBeNull();
    expect(await verifyWebhook(newWebhookSecret(), both, body)).toBe("no signature matches");
  });

  it("interoperates with the standardwebhooks library, both ways", async () => {
    const secret = newWebhookSecret();
    const theirs = new Webhook(secret);
    const ours = await signWebhook(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", body);
    expect(theirs.verify(body, { ...ours })).toEqual(JSON.parse(body));
    expect(() => theirs.verify(body + " ", { ...ours })).toThrow(/No matching signature/);
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...ours })).toThrow(/No matching signature/);

    const t = now();
    const signature = theirs.sign("msg_1", new Date(t * 1000), body);
    expect(await verifyWebhook(secret, new Headers({ "webhook-id": "msg_1", "webhook-timestamp": String(t), "webhook-signature": signature }), body)).toBeNull();
    expect(signature).toBe((await signWebhook(secret, "msg_1", body, t))["webhook-signature"]);
  });
});
