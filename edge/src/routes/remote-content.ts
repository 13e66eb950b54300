// Remote images of a message, through the edge (remote-content/fetch-image.ts): the webmail shows
// them only once the user allows it, and even then the browser asks only us. The answer is the
// image's bytes and type alone: nothing of the remote server's headers (cookies above all) passes,
// and it can run nothing (nosniff, a CSP that allows nothing), even opened as a page of its own.
import { Hono } from "hono";
import { RemoteContentQuery } from "../../../shared/api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { fetchRemoteImage, ImageUrlRefused } from "../remote-content/fetch-image.ts";
import { query } from "../validate.ts";
import { dohResolver } from "../webhooks/doh-resolver.ts";

export const remoteContentRoutes = new Hono().get("/remote-content", async (c) => {
  const { url } = query(c, RemoteContentQuery);
  const config = c.get("config");
  const fetcher = c.get("platform").fetch;
  let image;
  try {
    image = await fetchRemoteImage(url, { fetch: fetcher, allowPrivate: config.webhookAllowPrivate, resolver: dohResolver(config.webhookDnsUrl, fetcher) });
  } catch (e) {
    if (!(e instanceof ImageUrlRefused)) throw e;
    throw new ProblemError("validation", `The image URL is not allowed: ${e.message}.`, { errors: [{ field: "query.url", message: e.message }] });
  }
  return new Response(image.bytes, {
    headers: {
      "content-type": image.contentType,
      "content-length": String(image.bytes.byteLength),
      // The user's own (it passed their authorization): no shared cache may keep it.
      "cache-control": "private, max-age=86400",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'",
    },
  });
});
