// Password hashes: PBKDF2-SHA256 through WebCrypto, so the edge (Workers) and the core (Node) can both
// verify them. 100,000 iterations is the most workerd's PBKDF2 allows; the stored string names the
// scheme and its parameters so they can be raised later without invalidating old hashes.
import { constantTimeEqual, fromBase64Url, toBase64Url, utf8 } from "./encoding.ts";

const SCHEME = "pbkdf2-sha256";
export const PASSWORD_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8(password.normalize("NFC")) as Uint8Array<ArrayBuffer>, "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PASSWORD_ITERATIONS);
  return `${SCHEME}$${PASSWORD_ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split("$");
  const iterations = Number(iter);
  if (scheme !== SCHEME || !salt || !hash || !Number.isInteger(iterations) || iterations < 1 || iterations > PASSWORD_ITERATIONS) {
    return false;
  }
  const expected = fromBase64Url(hash);
  const actual = await derive(password, fromBase64Url(salt), iterations);
  return constantTimeEqual(actual, expected);
}
