// The API's reference, for integrators, without authentication: GET /api/v1/openapi.json (OpenAPI 3.1)
// and GET /api/docs (the same as a page). Built once per isolate; cacheable, with an ETag.
import { Hono } from "hono";
import { etag } from "hono/etag";
import { buildOpenApiDocument } from "../openapi/document.ts";
import { renderDocsPage } from "../openapi/docs-page.ts";

let built: { json: string; html: string } | undefined;

function reference(): { json: string; html: string } {
  if (!built) {
    const doc = buildOpenApiDocument();
    built = { json: JSON.stringify(doc), html: renderDocsPage(doc) };
  }
  return built;
}

// Changes only with a deployment; the ETag makes a revalidation cheap after that.
const CACHE_CONTROL = "public, max-age=300";

export const openApiRoutes = new Hono().get("/openapi.json", etag(), (c) =>
  c.body(reference().json, 200, { "content-type": "application/json; charset=utf-8", "cache-control": CACHE_CONTROL, "access-control-allow-origin": "*" }),
);

export const docsRoutes = new Hono().get("/docs", etag(), (c) =>
  c.body(reference().html, 200, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": CACHE_CONTROL,
    // Self-contained: nothing to load but its own inline style.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
  }),
);
