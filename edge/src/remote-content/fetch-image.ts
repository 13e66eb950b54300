// A remote image a message links to, fetched by the edge for the webmail (as Gmail's image proxy
// does): the reader's browser never contacts the sender's host, so trackers learn neither the
// reader's address nor cookies, and the webmail's CSP can forbid every other origin. The request
// leaves as nobody in particular (no cookies, no Referer, a neutral User-Agent); every hop of a
// redirect is held to the URL policy (webhooks/url-policy.ts, the remote-image profile) and its DNS
// check; only raster images come back, whole, within a size and a time limit.
import { ProblemError } from "../../../shared/problem.ts";
import type { AddressResolver } from "../webhooks/resolve-host.ts";
import { checkTarget } from "../webhooks/target-check.ts";
import { remoteImageUrls } from "../webhooks/url-policy.ts";

export const remoteImageLimits = {
  maxBytes: 5 * 1024 * 1024,
  timeoutMs: 10_000,
  maxRedirects: 3,
} as const;

export const IMAGE_PROXY_USER_AGENT = "edgemail-image-proxy";

export interface RemoteImageOptions {
  fetch: typeof fetch;
  /** Loopback and private targets allowed (WEBHOOK_ALLOW_PRIVATE: local development and tests). */
  allowPrivate: boolean;
  resolver: AddressResolver;
  timeoutMs?: number;
}

export interface RemoteImage {
  contentType: string;
  bytes: Uint8Array;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** `image/png; charset=x` → `image/png`; null unless it is an image a browser shows without running
 * anything: SVG can carry script and is refused. */
function imageType(header: string | null): string | null {
  const type = (header ?? "").split(";")[0]!.trim().toLowerCase();
  if (!/^image\/[a-z0-9][a-z0-9.+-]*$/.test(type) || type === "image/svg+xml") return null;
  return type;
}

/** The URL the client gave is not allowed (or one it redirects to): the message follows "The URL …". */
export class ImageUrlRefused extends Error {
  override name = "ImageUrlRefused";
}

function refused(problem: string, hop: number): ImageUrlRefused {
  return new ImageUrlRefused(hop === 0 ? problem : `redirects to a URL that ${problem}`);
}

async function readAtMost(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // Stop the download: the rest is not wanted.
      await reader.cancel().catch(() => {});
      throw new ProblemError("payloadTooLarge", `The image is larger than ${max} bytes.`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

async function fetchImage(url: string, options: RemoteImageOptions, signal: AbortSignal): Promise<RemoteImage> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const problem = await checkTarget(current, remoteImageUrls, options.allowPrivate, options.resolver);
    if (problem) throw refused(problem, hop);
    let response: Response;
    try {
      response = await options.fetch(current, {
        headers: { "user-agent": IMAGE_PROXY_USER_AGENT, accept: "image/*" },
        // Each hop is checked before it is requested.
        redirect: "manual",
        signal,
      });
    } catch (e) {
      if (signal.aborted) throw e;
      throw new ProblemError("badGateway", `The image's server could not be reached (${new URL(current).host}).`);
    }
    if (REDIRECTS.has(response.status)) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location) throw new ProblemError("badGateway", `The image's server answered ${response.status} without a Location.`);
      if (hop >= remoteImageLimits.maxRedirects) throw new ProblemError("badGateway", `The image URL redirects more than ${remoteImageLimits.maxRedirects} times.`);
      current = new URL(location, current).href;
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ProblemError("badGateway", `The image's server answered ${response.status}.`);
    }
    const contentType = imageType(response.headers.get("content-type"));
    if (!contentType) {
      await response.body?.cancel();
      const got = response.headers.get("content-type")?.split(";")[0]?.trim() || "no Content-Type";
      throw new ProblemError("unsupportedMediaType", `The URL does not lead to an image this service passes on (it answered ${got}; SVG is not passed on, since it can carry script).`);
    }
    const length = Number(response.headers.get("content-length") ?? NaN);
    if (length > remoteImageLimits.maxBytes) {
      await response.body?.cancel();
      throw new ProblemError("payloadTooLarge", `The image is larger than ${remoteImageLimits.maxBytes} bytes.`);
    }
    return { contentType, bytes: response.body ? await readAtMost(response.body, remoteImageLimits.maxBytes) : new Uint8Array() };
  }
}

/** The image at `url`. Rejects with ImageUrlRefused, or a problem: 413, 415, 502, 503 (DNS), 504. */
export async function fetchRemoteImage(url: string, options: RemoteImageOptions): Promise<RemoteImage> {
  const timeoutMs = options.timeoutMs ?? remoteImageLimits.timeoutMs;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await fetchImage(url, options, signal);
  } catch (e) {
    if (e instanceof ProblemError || e instanceof ImageUrlRefused) throw e;
    // AbortSignal.timeout rejects with a DOMException named TimeoutError, in fetch and in reads.
    if (signal.aborted || (e as { name?: unknown } | null)?.name === "TimeoutError") {
      throw new ProblemError("gatewayTimeout", `The image's server did not answer within ${timeoutMs / 1000} s.`);
    }
    throw new ProblemError("badGateway", `The image could not be fetched: ${String(e)}.`);
  }
}
