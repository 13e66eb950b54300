// Node's own hashing, where the code runs in Node. Node computes WebCrypto's digests and HMACs on
// libuv's threadpool, whose four threads the core's spool also holds with its fdatasyncs: under load
// the core's check of a signed 5 KB request waited about 20 ms for a thread there (measured), where
// node:crypto does it on the calling thread in microseconds. workerd computes WebCrypto inline.

interface Digest {
  update(data: Uint8Array): Digest;
  digest(): Uint8Array;
}

/** The part of node:crypto used here, typed without Node's types (the edge compiles this too). */
/** A node:crypto KeyObject, opaque here. */
export interface NodeSecretKey {
  readonly type: "secret";
}

export interface NodeCrypto {
  createHash(algorithm: "sha256"): Digest;
  createHmac(algorithm: "sha256", key: Uint8Array | NodeSecretKey): Digest;
  createSecretKey(key: Uint8Array): NodeSecretKey;
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown }; navigator?: { userAgent?: string } };
// workerd offers `process.getBuiltinModule` too (a node:crypto written over its own WebCrypto): it is
// no faster there, so the edge keeps the Web API it was written against.
const inWorkerd = host.navigator?.userAgent === "Cloudflare-Workers";

/** node:crypto in Node (22.3 and later), undefined elsewhere. */
export const nodeCrypto: NodeCrypto | undefined = inWorkerd ? undefined : (host.process?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined);
