// Starts the image host the remote-content tests fetch from (its paths: image-server.ts), in this
// Node process, on an ephemeral loopback port.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import type { SeenRequest } from "./image-server.ts";
import { PIXEL_PNG } from "./pixel-png.ts";

const MB = 1024 * 1024;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const seen = new Map<string, SeenRequest>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const key = url.searchParams.get("key");
    if (key) seen.set(key, { headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")])) });
    const [, first = "", arg = ""] = url.pathname.split("/");
    switch (first) {
      case "_seen":
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(seen.get(arg) ?? null));
        return;
      case "pixel.png":
        // What a tracker answers with besides the image: none of it may reach the client.
        res.writeHead(200, { "content-type": "image/png", "set-cookie": "tracker=abc; Path=/", "x-tracker": "seen", "access-control-allow-origin": "*" }).end(PIXEL_PNG);
        return;
      case "logo.svg":
        res.writeHead(200, { "content-type": "image/svg+xml" }).end('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
        return;
      case "page.html":
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<p>not an image</p>");
        return;
      case "big.png":
        res.writeHead(200, { "content-type": "image/png", "content-length": String(5 * MB + 1) }).end(Buffer.alloc(5 * MB + 1));
        return;
      case "big-chunked.png": {
        // No Content-Length: only counting the bytes finds it too big.
        res.writeHead(200, { "content-type": "image/png" });
        const chunk = Buffer.alloc(MB);
        for (let i = 0; i < 6; i++) res.write(chunk);
        res.end();
        return;
      }
      case "slow.png":
        setTimeout(() => res.writeHead(200, { "content-type": "image/png" }).end(PIXEL_PNG), Number(arg));
        return;
      case "status":
        res.writeHead(Number(arg)).end();
        return;
      case "hops":
        // /hops/<n>: n redirects (relative Locations), then the pixel.
        res.writeHead(302, { location: Number(arg) > 1 ? `/hops/${Number(arg) - 1}` : "/pixel.png" }).end();
        return;
      case "redirect":
        res.writeHead(302, { location: url.searchParams.get("to") ?? "/" }).end();
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("imageServerUrl", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
}
