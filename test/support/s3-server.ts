// A real S3-protocol server for tests: s3rver (npm) on loopback, with a temp directory, one bucket and
// its one account (key id and secret "S3RVER").
//
// s3rver 3.7.1 verifies only SigV2 signatures; of a SigV4 request it checks the key id and nothing else
// ("Signature version 4 calculation is unimplemented"). So this puts a SigV4 check in front of it, as
// AWS and R2 do it (canonical request, string to sign, the HMAC key chain, a 15-minute clock window):
// a request signed with the wrong secret gets 403 SignatureDoesNotMatch. It is written from the AWS
// specification, independently of the client under test (aws4fetch).
//
// The same front can answer the next requests with faults (503 SlowDown, 500 InternalError, or a
// connection cut before any answer) before they reach s3rver: a failure injector in front of a real
// server, for the client's retries.
import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";

export const S3RVER_KEY = "S3RVER";

export type Fault = { status: 500 | 503 | 429; code: string } | "reset";

export interface SeenRequest {
  /** "METHOD /path?query" */
  line: string;
  headers: http.IncomingHttpHeaders;
  status: number | null;
}

export interface TestS3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The environment of a core using this server (BLOB_STORE=s3). */
  env: Record<string, string>;
  /** The next `count` requests whose "METHOD /path?query" matches get `fault` instead of an answer. */
  failNext(count: number, fault: Fault, match?: RegExp): void;
  /** Requests seen by the front (faulted or not), with the status answered (null: cut). */
  requests: SeenRequest[];
  /** Forgets the faults not yet taken and the requests seen. */
  reset(): void;
  close(): Promise<void>;
}

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The reason a request's SigV4 Authorization header does not hold, or null when it does. */
function sigV4Problem(req: http.IncomingMessage, secrets: Map<string, string>): { status: number; code: string; message: string } | null {
  const auth = req.headers.authorization;
  if (!auth) return { status: 403, code: "AccessDenied", message: "Access Denied (no Authorization header)" };
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { status: 400, code: "AuthorizationHeaderMalformed", message: "The authorization header is malformed" };
  const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = secrets.get(keyId!);
  if (secret === undefined) return { status: 403, code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records." };
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const at = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!at || amzDate.slice(0, 8) !== date) return { status: 403, code: "AccessDenied", message: "X-Amz-Date is missing or does not match the credential's date" };
  const when = Date.UTC(+at[1]!, +at[2]! - 1, +at[3]!, +at[4]!, +at[5]!, +at[6]!);
  if (Math.abs(Date.now() - when) > 15 * 60_000) return { status: 403, code: "RequestTimeTooSkewed", message: "The difference between the request time and the current time is too large." };
  const payload = String(req.headers["x-amz-content-sha256"] ?? "");
  // The clients here sign no payload; a signed payload hash would have to be checked against the body.
  if (payload !== "UNSIGNED-PAYLOAD") return { status: 501, code: "NotImplemented", message: "this test server verifies UNSIGNED-PAYLOAD requests only" };
  const names = signedHeaders!.split(";");
  if (!names.includes("host") || !names.includes("x-amz-date")) return { status: 403, code: "AccessDenied", message: "host and x-amz-date must be signed" };

  const url = new URL(req.url ?? "/", "http://s3");
  const canonicalUri = url.pathname.split("/").map((s) => rfc3986(decodeURIComponent(s))).join("/");
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = names.map((name) => {
    const value = req.headers[name];
    return `${name}:${(Array.isArray(value) ? value.join(",") : (value ?? "")).trim().replace(/\s+/g, " ")}\n`;
  });
  const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders.join(""), signedHeaders, payload].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), "aws4_request");
  if (hmac(key, stringToSign).toString("hex") !== signature) {
    return { status: 403, code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided. Check your key and signing method." };
  }
  return null;
}

const errorXml = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

export async function startS3Server(bucket = "edgemail-test"): Promise<TestS3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), "edgemail-s3rver-"));
  const s3 = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  await s3.configureBuckets();
  const handle = s3.callback();
  const secrets = new Map([[S3RVER_KEY, S3RVER_KEY]]);
  const rules: { fault: Fault; match: RegExp; left: number }[] = [];
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const seen: SeenRequest = { line: `${req.method} ${req.url}`, headers: req.headers, status: null };
    requests.push(seen);
    res.once("finish", () => (seen.status = res.statusCode));
    const rule = rules.find((r) => r.left > 0 && r.match.test(seen.line));
    if (rule) rule.left--;
    const fault = rule?.fault;
    if (fault === "reset") return void req.socket.destroy();
    if (fault) {
      res.writeHead(fault.status, { "content-type": "application/xml" });
      return void res.end(errorXml(fault.code, "injected by the test"));
    }
    const problem = sigV4Problem(req, secrets);
    if (problem) {
      res.writeHead(problem.status, { "content-type": "application/xml" });
      return void res.end(errorXml(problem.code, problem.message));
    }
    handle(req, res);
  });
  // Parts of several megabytes come over one connection after another.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    bucket,
    accessKeyId: S3RVER_KEY,
    secretAccessKey: S3RVER_KEY,
    env: { BLOB_STORE: "s3", S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: S3RVER_KEY, S3_SECRET_ACCESS_KEY: S3RVER_KEY, S3_REGION: "auto" },
    failNext(count, fault, match = /^/) {
      rules.push({ fault, match, left: count });
    },
    requests,
    reset() {
      rules.length = 0;
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
