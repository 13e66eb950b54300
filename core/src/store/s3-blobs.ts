// The blob store in production: R2 (or any S3-compatible store) through its S3 API, path-style
// (`<endpoint>/<bucket>/<key>`, which R2 and every S3 clone accept).
// Signed with SigV4 by aws4fetch: a few kilobytes over the runtime's own fetch, the client the Workers
// ecosystem uses for R2; the AWS SDK would bring megabytes of modules (and its own HTTP stack) into
// every thread of the core for five kinds of request. Its built-in retries are off: they retry neither
// network errors nor within a time budget, and they would retry a multipart part without our limits.
import { AwsClient } from "aws4fetch";
import { inBatches, type BlobStore } from "./blobs.ts";

export interface S3BlobConfig {
  /** Origin of the S3 API, e.g. https://<account>.eu.r2.cloudflarestorage.com. */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** R2 signs with "auto". */
  region: string;
}

export interface S3Tuning {
  /** Objects from this size up go as a multipart upload. */
  multipartThreshold: number;
  /** R2 wants every part but the last of one size, and at least 5 MiB. */
  partSize: number;
  /** Parts in flight at once, per upload. */
  partConcurrency: number;
  /** Tries of one request, the first included. */
  maxAttempts: number;
  /** No retry starts later than this after the first try. */
  retryBudgetMs: number;
  /** The first backoff's ceiling; each retry doubles it (full jitter, capped at 5 s). */
  baseDelayMs: number;
  /** One try's limit, from sending to the whole answer. */
  requestTimeoutMs: number;
}

export const DEFAULT_S3_TUNING: S3Tuning = {
  multipartThreshold: 16 * 1024 * 1024,
  partSize: 8 * 1024 * 1024,
  partConcurrency: 4,
  maxAttempts: 6,
  retryBudgetMs: 30_000,
  baseDelayMs: 100,
  requestTimeoutMs: 60_000,
};

/** A request the store refused or could not answer, after any retries. */
export class BlobStoreError extends Error {
  readonly operation: string;
  readonly key: string;
  /** The HTTP status, or null when no answer came (network error, timeout). */
  readonly status: number | null;
  /** S3's error code (`NoSuchBucket`, `SignatureDoesNotMatch`, `SlowDown`…), when it gave one. */
  readonly code: string | null;

  constructor(operation: string, key: string, status: number | null, code: string | null, detail: string, attempts: number) {
    super(`S3 ${operation} of "${key}" failed: ${status ?? "no answer"}${code ? ` ${code}` : ""}${detail ? ` (${detail})` : ""}${attempts > 1 ? ` after ${attempts} attempts` : ""}`);
    this.name = "BlobStoreError";
    this.operation = operation;
    this.key = key;
    this.status = status;
    this.code = code;
  }
}

const xmlField = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1] ?? null;
const xmlText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** S3's own escaping of a path: RFC 3986 unreserved characters stay, every other byte is %XX (what the
 * signature's canonical URI holds; encodeURIComponent leaves !'()* alone). */
const encodeSegment = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 5xx and throttling are the store's passing trouble; any other 4xx is ours and would fail the same again. */
const retryable = (status: number) => status >= 500 || status === 429;

export function s3BlobStore(config: S3BlobConfig, tuning: Partial<S3Tuning> = {}): BlobStore {
  const t = { ...DEFAULT_S3_TUNING, ...tuning };
  const aws = new AwsClient({ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, service: "s3", region: config.region, retries: 0 });
  const base = `${config.endpoint.replace(/\/+$/, "")}/${encodeSegment(config.bucket)}`;

  const objectUrl = (key: string, query = "") => {
    // A URL's dot segments are resolved away before the request leaves, so such a key could not be reached.
    if (key === "" || key.split("/").some((s) => s === "." || s === "..")) throw new BlobStoreError("request", key, null, null, "a key must not be empty or have . or .. segments", 1);
    return `${base}/${key.split("/").map(encodeSegment).join("/")}${query}`;
  };

  /** One S3 request with retries; resolves with the final answer when it is a success or one of `expected`. */
  async function request(
    operation: string,
    key: string,
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: Uint8Array | string },
    expected: number[] = [],
  ): Promise<Response> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let failure: { status: number | null; code: string | null; detail: string };
      try {
        const signed = await aws.sign(url, { ...init, signal: AbortSignal.timeout(t.requestTimeoutMs) } as RequestInit);
        const res = await fetch(signed);
        if (res.ok || expected.includes(res.status)) return res;
        const text = init.method === "HEAD" ? "" : await res.text().catch(() => "");
        failure = { status: res.status, code: xmlField(text, "Code"), detail: xmlField(text, "Message") ?? "" };
        if (!retryable(res.status)) throw new BlobStoreError(operation, key, res.status, failure.code, failure.detail, attempt);
      } catch (err) {
        if (err instanceof BlobStoreError) throw err;
        const e = err as Error & { cause?: { code?: string; message?: string } };
        failure = { status: null, code: e.cause?.code ?? e.name, detail: e.cause?.message ?? e.message };
      }
      const delay = Math.random() * Math.min(5_000, t.baseDelayMs * 2 ** (attempt - 1));
      if (attempt >= t.maxAttempts || Date.now() - started + delay > t.retryBudgetMs) {
        throw new BlobStoreError(operation, key, failure.status, failure.code, failure.detail, attempt);
      }
      await sleep(delay);
    }
  }

  async function putMultipart(key: string, bytes: Uint8Array, contentType: string | undefined): Promise<void> {
    const created = await request("create multipart upload", key, objectUrl(key, "?uploads"), { method: "POST", headers: contentType ? { "content-type": contentType } : {} });
    const uploadId = xmlField(await created.text(), "UploadId");
    if (!uploadId) throw new BlobStoreError("create multipart upload", key, created.status, null, "the answer has no UploadId", 1);
    const q = `uploadId=${encodeURIComponent(uploadId)}`;
    try {
      const count = Math.ceil(bytes.length / t.partSize);
      const etags: string[] = new Array(count);
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const part = bytes.subarray(i * t.partSize, Math.min(bytes.length, (i + 1) * t.partSize));
          const res = await request(`upload part ${i + 1}`, key, objectUrl(key, `?partNumber=${i + 1}&${q}`), { method: "PUT", body: part });
          const etag = res.headers.get("etag");
          await res.body?.cancel();
          if (!etag) throw new BlobStoreError(`upload part ${i + 1}`, key, res.status, null, "the answer has no ETag", 1);
          etags[i] = etag;
        }
      };
      await Promise.all(Array.from({ length: Math.min(t.partConcurrency, count) }, worker));
      const body = `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlText(etag)}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
      const done = await request("complete multipart upload", key, objectUrl(key, `?${q}`), { method: "POST", headers: { "content-type": "application/xml" }, body });
      // S3 may answer 200 and put the error in the body (the completion failed after it began answering).
      const text = await done.text();
      if (/<Error>/.test(text)) throw new BlobStoreError("complete multipart upload", key, done.status, xmlField(text, "Code"), xmlField(text, "Message") ?? "", 1);
    } catch (err) {
      // Parts of an unfinished upload are stored (and billed) until aborted.
      await request("abort multipart upload", key, objectUrl(key, `?${q}`), { method: "DELETE" }, [404]).then(
        (res) => res.body?.cancel(),
        () => {},
      );
      throw err;
    }
  }

  return {
    async put(key, bytes, contentType) {
      if (bytes.length >= t.multipartThreshold) return putMultipart(key, bytes, contentType);
      const res = await request("put", key, objectUrl(key), { method: "PUT", body: bytes, headers: contentType ? { "content-type": contentType } : {} });
      await res.body?.cancel();
    },
    async has(key) {
      const res = await request("head", key, objectUrl(key), { method: "HEAD" }, [404]);
      return res.status !== 404;
    },
    async get(key, range) {
      if (range && range.length <= 0) return (await this.has(key)) ? new Uint8Array(0) : null;
      const headers: Record<string, string> = range ? { range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {};
      const res = await request("get", key, objectUrl(key), { method: "GET", headers }, [404]);
      if (res.status === 404) {
        const text = await res.text();
        // A missing bucket is a misconfiguration, not a missing blob.
        if (xmlField(text, "Code") === "NoSuchBucket") throw new BlobStoreError("get", key, 404, "NoSuchBucket", xmlField(text, "Message") ?? "", 1);
        return null;
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (!range) return bytes;
      // A server may ignore Range (200: the whole object), or send more than asked (s3rver reads
      // `bytes=0-0` as "from 0 on").
      if (res.status === 200) return bytes.slice(range.offset, range.offset + range.length);
      return bytes.length > range.length ? bytes.slice(0, range.length) : bytes;
    },
    // One DeleteObject per key: DeleteObjects would save requests but wants a Content-MD5 of its body
    // and answers per-key failures inside a 200, and the stores' sweeps delete a few keys at a time.
    async delete(keys) {
      await inBatches(keys, async (key) => {
        const res = await request("delete", key, objectUrl(key), { method: "DELETE" }, [404]);
        if (res.status !== 404) return void (await res.body?.cancel());
        // A missing key is deleted already; a missing bucket is a misconfiguration.
        const text = await res.text();
        if (xmlField(text, "Code") === "NoSuchBucket") throw new BlobStoreError("delete", key, 404, "NoSuchBucket", xmlField(text, "Message") ?? "", 1);
      });
    },
    async close() {},
  };
}
