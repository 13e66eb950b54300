import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Message, MessagePage } from "../../../shared/api.ts";
import { toHex } from "../../../shared/encoding.ts";
import { api, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";

let token: string;
let message: Message;
const bytes = seed.attachmentBytes();

beforeAll(async () => {
  token = await login(seed.alice.address, seed.alice.password);
  const page = (await (await api("/api/v1/folders/inbox/messages?limit=100", { token })).json()) as MessagePage;
  const id = page.messages.find((m) => m.subject === seed.attachmentSubject)!.id;
  message = (await (await api(`/api/v1/messages/${id}`, { token })).json()) as Message;
  // The core wrote the blob into its own local R2; this test's workerd has a separate bucket,
  // so the same bytes go under the same content address here.
  const hash = toHex(await crypto.subtle.digest("SHA-256", bytes));
  await env.BLOBS.put(`att/sha256/${hash}`, bytes);
  const text = new TextEncoder().encode(seed.secondAttachment.text);
  await env.BLOBS.put(`att/sha256/${toHex(await crypto.subtle.digest("SHA-256", text))}`, text);
});

describe("GET /api/v1/messages/{id}/attachments/{attachmentId}", () => {
  it("streams the bytes with type, length and a safe disposition", async () => {
    const res = await api(`/api/v1/messages/${message.id}/attachments/1`, { token });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-length")).toBe("3000");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="data.bin"; filename*=UTF-8''data.bin`);
  });

  it("encodes non-ASCII file names per RFC 6266", async () => {
    const res = await api(`/api/v1/messages/${message.id}/attachments/2`, { token });
    expect(await res.text()).toBe(seed.secondAttachment.text);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="notes _ _n_code.txt"; filename*=UTF-8''${encodeURIComponent(seed.secondAttachment.filename)}`,
    );
  });

  it("answers byte ranges with 206 and Content-Range", async () => {
    for (const [range, start, end] of [["bytes=100-199", 100, 199], ["bytes=2990-", 2990, 2999], ["bytes=-10", 2990, 2999], ["bytes=2900-999999", 2900, 2999]] as const) {
      const res = await api(`/api/v1/messages/${message.id}/attachments/1`, { token, headers: { range } });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/3000`);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.slice(start, end + 1));
    }
  });

  it("answers 416 for a range past the end, and ignores a malformed one", async () => {
    const past = await api(`/api/v1/messages/${message.id}/attachments/1`, { token, headers: { range: "bytes=5000-" } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe("bytes */3000");
    const odd = await api(`/api/v1/messages/${message.id}/attachments/1`, { token, headers: { range: "lines=1-2" } });
    expect(odd.status).toBe(200);
    await odd.arrayBuffer();
  });

  it("answers 404 for an attachment the message does not have", async () => {
    expect((await api(`/api/v1/messages/${message.id}/attachments/9`, { token })).status).toBe(404);
  });
});
