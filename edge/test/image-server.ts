// The remote-content tests' image host: a real HTTP server on loopback that global-image-server.ts
// starts in Node. Its paths:
//   GET /pixel.png            a 1×1 PNG, with Set-Cookie and other headers a tracker sends
//   GET /logo.svg             SVG with a script          GET /page.html   an HTML page
//   GET /big.png              5 MB + 1 byte, with Content-Length; /big-chunked.png 6 MB, without
//   GET /slow.png/<ms>        the pixel after <ms> milliseconds
//   GET /status/<code>        an empty answer with that status
//   GET /hops/<n>             n redirects, then the pixel   GET /redirect?to=<url>   302 to <url>
//   any path with ?key=<k>    records the request's headers; GET /_seen/<k> gives them (SeenRequest | null)
import { inject } from "vitest";

declare module "vitest" {
  interface ProvidedContext {
    imageServerUrl: string;
  }
}

export interface SeenRequest {
  headers: Record<string, string>;
}

export { PIXEL_PNG } from "./pixel-png.ts";

export function imageUrl(path: string): string {
  return `${inject("imageServerUrl")}${path}`;
}

export async function seenRequest(key: string): Promise<SeenRequest | null> {
  const res = await fetch(`${inject("imageServerUrl")}/_seen/${key}`);
  if (!res.ok) throw new Error(`image server answered ${res.status}`);
  return (await res.json()) as SeenRequest | null;
}
