import { randomBytes } from "node:crypto";
import { AwsClient } from "aws4fetch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startS3Server, type TestS3Server } from "../../../test/support/s3-server.ts";
import { BlobStoreError, s3BlobStore, type S3Tuning } from "./s3-blobs.ts";

let s3: TestS3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(() => s3?.close());
beforeEach(() => s3.reset());

const store = (tuning: Partial<S3Tuning> = {}, secret = s3.secretAccessKey) =>
  s3BlobStore({ endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: secret, region: "auto" }, { baseDelayMs: 5, ...tuning });

const contentType = async (key: string) => {
  const aws = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, service: "s3", region: "auto", retries: 0 });
  return (await aws.fetch(`${s3.endpoint}/${s3.bucket}/${key}`, { method: "HEAD" })).headers.get("content-type");
};

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err as BlobStoreError;
  }
  throw new Error("expected a failure");
};
const lines = () => s3.requests.map((r) => r.line);

describe("S3 blob store (s3rver, SigV4 checked)", () => {
  it("puts, heads and gets whole objects and ranges", async () => {
    const blobs = store();
    await blobs.put("raw/pack-1", new TextEncoder().encode("0123456789abcdefghij"), "application/octet-stream");
    expect(await blobs.has("raw/pack-1")).toBe(true);
    expect(await blobs.has("raw/pack-2")).toBe(false);
    expect(Buffer.from((await blobs.get("raw/pack-1"))!).toString()).toBe("0123456789abcdefghij");
    s3.reset();
    expect(Buffer.from((await blobs.get("raw/pack-1", { offset: 10, length: 5 }))!).toString()).toBe("abcde");
    // Only the range came over: a Range header, answered 206.
    expect(s3.requests).toMatchObject([{ line: "GET /edgemail-test/raw/pack-1", headers: { range: "bytes=10-14" }, status: 206 }]);
    expect(Buffer.from((await blobs.get("raw/pack-1", { offset: 0, length: 1 }))!).toString()).toBe("0");
    expect(await blobs.get("raw/pack-2")).toBeNull();
    expect(await blobs.get("raw/pack-2", { offset: 0, length: 3 })).toBeNull();
  });

  it("refuses an unsigned request (the signature check is on)", async () => {
    const res = await fetch(`${s3.endpoint}/${s3.bucket}/raw/pack-1`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>AccessDenied</Code>");
  });

  it("keeps the content type", async () => {
    await store().put("att/typed", new TextEncoder().encode("%PDF-1.4"), "application/pdf");
    expect(await contentType("att/typed")).toBe("application/pdf");
  });

  it("stores keys with slashes and odd characters under their exact names", async () => {
    const blobs = store();
    const keys = ["att/sha256/ab/cd", "a b+c=d&e?f#g", "ünï/cödé/✓", "paren(1)!*'~", "semi;colon,comma:colon@at$dollar", "percent%20not-an-escape", "deep/x/y/z/"];
    for (const [i, key] of keys.entries()) await blobs.put(key, new TextEncoder().encode(`value ${i}`));
    for (const [i, key] of keys.entries()) expect(Buffer.from((await blobs.get(key))!).toString(), key).toBe(`value ${i}`);
    expect(await blobs.has("percent not-an-escape")).toBe(false);
    await expect(blobs.put("a/../b", new Uint8Array(1))).rejects.toThrow(/must not be empty or have \. or \.\. segments/);
  });

  it("uploads a large object in parts, in parallel, and reads it back", async () => {
    const blobs = store({ multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024, partConcurrency: 2 });
    const bytes = randomBytes(17 * 1024 * 1024 + 123);
    await blobs.put("att/sha256/large", bytes, "application/zip");
    expect(lines().filter((l) => l.startsWith("PUT ") && l.includes("partNumber="))).toHaveLength(4);
    expect(lines().filter((l) => l.startsWith("POST ")).map((l) => l.replace(/=[0-9a-f]+$/, "="))).toEqual([
      "POST /edgemail-test/att/sha256/large?uploads",
      "POST /edgemail-test/att/sha256/large?uploadId=",
    ]);
    expect(Buffer.from((await blobs.get("att/sha256/large"))!).equals(bytes)).toBe(true);
    const tail = await blobs.get("att/sha256/large", { offset: bytes.length - 1000, length: 1000 });
    expect(Buffer.from(tail!).equals(bytes.subarray(bytes.length - 1000))).toBe(true);
    expect(await contentType("att/sha256/large")).toBe("application/zip");
  });

  it("retries a failed part, and aborts the upload when a part fails for good", async () => {
    const blobs = store({ multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024, partConcurrency: 1, maxAttempts: 2 });
    const bytes = randomBytes(11 * 1024 * 1024);
    s3.failNext(1, { status: 503, code: "SlowDown" }, /partNumber=2&/);
    await blobs.put("att/sha256/retried", bytes);
    expect(Buffer.from((await blobs.get("att/sha256/retried"))!).equals(bytes)).toBe(true);

    s3.reset();
    s3.failNext(2, { status: 500, code: "InternalError" }, /partNumber=2&/);
    const err = await failure(blobs.put("att/sha256/doomed", bytes));
    expect(err).toBeInstanceOf(BlobStoreError);
    expect(err.message).toBe('S3 upload part 2 of "att/sha256/doomed" failed: 500 InternalError (injected by the test) after 2 attempts');
    expect(lines().at(-1)).toMatch(/^DELETE \/edgemail-test\/att\/sha256\/doomed\?uploadId=[0-9a-f]+$/);
    // s3rver has no AbortMultipartUpload (405); R2 and S3 answer 204.
    expect(s3.requests.at(-1)!.status).toBe(405);
    expect(await blobs.has("att/sha256/doomed")).toBe(false);
  });

  it("retries 5xx, throttling and cut connections with backoff", async () => {
    const blobs = store();
    s3.failNext(1, { status: 503, code: "SlowDown" });
    s3.failNext(1, { status: 500, code: "InternalError" });
    s3.failNext(1, "reset");
    s3.failNext(1, { status: 429, code: "TooManyRequests" });
    await blobs.put("retry/put", new TextEncoder().encode("made it"));
    expect(s3.requests.map((r) => r.status)).toEqual([503, 500, null, 429, 200]);
    s3.failNext(1, { status: 503, code: "SlowDown" });
    s3.failNext(1, "reset");
    expect(Buffer.from((await blobs.get("retry/put", { offset: 5, length: 2 }))!).toString()).toBe("it");
    s3.failNext(1, { status: 503, code: "SlowDown" });
    expect(await blobs.has("retry/put")).toBe(true);
    expect(s3.requests).toHaveLength(10);
  });

  it("gives up after its attempts, naming the operation, key, status and code", async () => {
    const blobs = store({ maxAttempts: 3 });
    s3.failNext(3, { status: 503, code: "SlowDown" });
    const err = await failure(blobs.get("retry/never"));
    expect(err).toMatchObject({ operation: "get", key: "retry/never", status: 503, code: "SlowDown" });
    expect(err.message).toBe('S3 get of "retry/never" failed: 503 SlowDown (injected by the test) after 3 attempts');
    expect(s3.requests).toHaveLength(3);
  });

  it("stops retrying when its time budget is spent", async () => {
    const blobs = store({ maxAttempts: 100, baseDelayMs: 200, retryBudgetMs: 300 });
    s3.failNext(100, { status: 500, code: "InternalError" });
    const started = Date.now();
    await failure(blobs.has("retry/budget"));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(s3.requests.length).toBeLessThan(10);
  });

  it("answers a wrong secret at once with a clear 403, not retried", async () => {
    const blobs = store({}, "not-the-secret");
    const err = await failure(blobs.put("denied", new Uint8Array([1, 2, 3])));
    expect(err).toMatchObject({ operation: "put", key: "denied", status: 403, code: "SignatureDoesNotMatch" });
    expect(err.message).toMatch(/^S3 put of "denied" failed: 403 SignatureDoesNotMatch \(The request signature we calculated/);
    expect(s3.requests).toHaveLength(1);
    // Reads too: a refused key is not "no such blob".
    await expect(blobs.get("raw/pack-1")).rejects.toThrow(/403 SignatureDoesNotMatch/);
    await expect(blobs.has("raw/pack-1")).rejects.toThrow(/S3 head of "raw\/pack-1" failed: 403$/);
  });

  it("does not retry other 4xx, and a missing bucket is an error rather than a missing blob", async () => {
    const missing = s3BlobStore({ endpoint: s3.endpoint, bucket: "no-such-bucket", accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: "auto" });
    expect(await failure(missing.get("x"))).toMatchObject({ operation: "get", status: 404, code: "NoSuchBucket" });
    expect(await failure(missing.put("x", new Uint8Array(1)))).toMatchObject({ operation: "put", status: 404, code: "NoSuchBucket" });
    expect(s3.requests).toHaveLength(2);
  });
});
