// The Cloudflare side of the edge's blob storage: an R2 bucket behind the BlobBucket interface.
// R2 calls can fail transiently (and the local emulation, shared with the core, answers "busy"
// under load): each is retried briefly, and one that keeps failing is a 503 to try again, not a 500.
import { ProblemError } from "../../shared/problem.ts";
import { log } from "./log.ts";
import type { BlobBucket } from "./platform.ts";

const DELAYS_MS = [25, 100, 400];

async function withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= DELAYS_MS.length) {
        log.error(`edge: R2 ${what} kept failing`, { err });
        throw new ProblemError("unavailable", "Storage is briefly unavailable; try again in a moment.", { headers: { "retry-after": "1" } });
      }
      await new Promise((resolve) => setTimeout(resolve, DELAYS_MS[i]));
    }
  }
}

export function r2Bucket(bucket: R2Bucket): BlobBucket {
  return {
    async get(key, range) {
      const object = await withRetries("get", () => bucket.get(key, range ? { range } : undefined));
      return object ? { body: object.body, size: object.size } : null;
    },
    async getText(key) {
      return withRetries("get", async () => {
        const object = await bucket.get(key);
        return object ? object.text() : null;
      });
    },
    async putText(key, text, contentType) {
      await withRetries("put", () => bucket.put(key, text, { httpMetadata: { contentType } }));
    },
    async delete(key) {
      await withRetries("delete", () => bucket.delete(key));
    },
    async putContentAddressed(body, length, contentType) {
      // The key is the content's hash, known only at the end: stream into a temporary object while
      // hashing, then keep it under its hash (unless those bytes are there already). The streamed
      // write cannot be repeated (the body is read once); the steps after it can.
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
      try {
        await Promise.all([counted.pipeTo(fixed.writable), bucket.put(temporary, fixed.readable)]);
      } catch (err) {
        log.error("edge: R2 upload failed", { err });
        throw new ProblemError("unavailable", "The upload could not be stored; send it again.", { headers: { "retry-after": "1" } });
      }
      await hashing.close();
      const sha256 = [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const key = `att/sha256/${sha256}`;
      try {
        await withRetries("put", async () => {
          if (await bucket.head(key)) return;
          const stored = await bucket.get(temporary);
          if (!stored) throw new Error("the upload vanished from storage");
          await bucket.put(key, stored.body, { httpMetadata: { contentType } });
        });
      } finally {
        await withRetries("delete", () => bucket.delete(temporary)).catch(() => undefined);
      }
      return { sha256, size: length };
    },
  };
}
