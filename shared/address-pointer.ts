// The global directory's key for an address: a keyed hash (HMAC-SHA256) of the normalised address,
// so the one store every region reads names no address in the clear. An address and its user's data
// stay in the home region (data residency); outside it only this pointer → home region is written.
// The edge computes it too (it holds the same secret), so a login asks a core "where is <pointer>
// homed", never sending the address to a region that is not its home.
import { toBase64Url, utf8 } from "./encoding.ts";
import { nodeCrypto } from "./node-crypto.ts";

/** Domain separation: the same secret also signs internal requests (signing.ts). */
const CONTEXT = "edgemail-address-pointer-v1\n";

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new Map<string, Promise<HmacKey>>();

/** `address` must already be normalised (shared/address.ts normalizeAddress): one address, one pointer. */
export async function addressPointer(secret: string, address: string): Promise<string> {
  const data = utf8(CONTEXT + address);
  if (nodeCrypto) return toBase64Url(nodeCrypto.createHmac("sha256", utf8(secret)).update(data).digest());
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", utf8(secret) as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  return toBase64Url(await crypto.subtle.sign("HMAC", await key, data as Uint8Array<ArrayBuffer>));
}
