// Attachment ids: what an upload returns and a send refers to. The id carries the content address,
// size, name and type, signed with the token secret and bound to the uploader, so it needs no
// storage of its own and cannot be used by another user to reach content they never had.
import type { ResolvedAttachment } from "../../shared/internal-api.ts";
import { constantTimeEqual, fromBase64Url, toBase64Url, utf8 } from "../../shared/encoding.ts";

interface Payload {
  s: string;
  n: number;
  f: string;
  t: string;
  u: string;
}

async function mac(secret: string, data: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8(`attachment-id\n${secret}`), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(data)));
}

export async function attachmentId(secret: string, userId: string, a: ResolvedAttachment): Promise<string> {
  const payload = toBase64Url(utf8(JSON.stringify({ s: a.sha256, n: a.size, f: a.filename, t: a.contentType, u: userId } satisfies Payload)));
  return `${payload}.${toBase64Url(await mac(secret, payload))}`;
}

/** The attachment an id stands for, if the id is genuine and was made for this user; else null. */
export async function readAttachmentId(secret: string, userId: string, id: string): Promise<ResolvedAttachment | null> {
  const [payload, signature] = id.split(".");
  if (!payload || !signature) return null;
  let given: Uint8Array;
  try {
    given = fromBase64Url(signature);
  } catch {
    return null;
  }
  if (!constantTimeEqual(given, await mac(secret, payload))) return null;
  const p = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as Payload;
  if (p.u !== userId) return null;
  return { sha256: p.s, size: p.n, filename: p.f, contentType: p.t };
}
