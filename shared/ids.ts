// Time-ordered ids (UUIDv7, RFC 9562). Ordering by id is ordering by creation time, which is what
// lets a folder page be an index range read without a sort.

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A UUIDv7 from a millisecond timestamp and at least 10 bytes of entropy (or of a hash, for derived ids). */
export function uuidv7From(timestampMs: number, entropy: Uint8Array): string {
  if (entropy.length < 10) throw new RangeError("uuidv7 needs 10 bytes of entropy");
  const b = new Uint8Array(16);
  let ts = Math.max(0, Math.floor(timestampMs));
  for (let i = 5; i >= 0; i--) {
    b[i] = ts % 256;
    ts = Math.floor(ts / 256);
  }
  b.set(entropy.subarray(0, 10), 6);
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuidv7(timestampMs: number = Date.now()): string {
  return uuidv7From(timestampMs, crypto.getRandomValues(new Uint8Array(10)));
}

export function isUuidv7(value: string): boolean {
  return UUID_RE.test(value);
}

/** The creation time encoded in a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
