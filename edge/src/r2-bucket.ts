// The Cloudflare side of the edge's blob storage: an R2 bucket behind the BlobBucket interface.
import type { BlobBucket } from "./platform.ts";

export function r2Bucket(bucket: R2Bucket): BlobBucket {
  return {
    async get(key, range) {
      const object = await bucket.get(key, range ? { range } : undefined);
      return object ? { body: object.body, size: object.size } : null;
    },
    async getText(key) {
      const object = await bucket.get(key);
      return object ? object.text() : null;
    },
    async putText(key, text, contentType) {
      await bucket.put(key, text, { httpMetadata: { contentType } });
    },
    async putContentAddressed(body, length, contentType) {
      // The key is the content's hash, known only at the end: stream into a temporary object while
      // hashing, then keep it under its hash (unless those bytes are there already).
      const temporary = `tmp/uploads/${crypto.randomUUID()}`;
      const digest = new crypto.DigestStream("SHA-256");
      const hashing = digest.getWriter();
      const fixed = new FixedLengthStream(length);
      const counted = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          async transform(chunk, controller) {
            await hashing.write(chunk);
            controller.enqueue(chunk);
          },
        }),
      );
      await Promise.all([counted.pipeTo(fixed.writable), bucket.put(temporary, fixed.readable)]);
      await hashing.close();
      const sha256 = [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const key = `att/sha256/${sha256}`;
      try {
        if (!(await bucket.head(key))) {
          const stored = await bucket.get(temporary);
          if (!stored) throw new Error("the upload vanished from storage");
          await bucket.put(key, stored.body, { httpMetadata: { contentType } });
        }
      } finally {
        await bucket.delete(temporary);
      }
      return { sha256, size: length };
    },
  };
}
