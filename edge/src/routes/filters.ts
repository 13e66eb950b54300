// The user's filters: GET the active script and the rules it came from; PUT JSON rules (with the
// vacation answer), which the core compiles to Sieve; PUT a Sieve script of one's own, as JSON
// `{ "script": … }` or as the script itself with `Content-Type: application/sieve` (RFC 5804's type).
// A save tells the core who makes it: adding a forward to an outside address needs a password session
// or the scope mail.forward, which the core judges after parsing the script (scopes.ts).
import { Hono, type Context } from "hono";
import { FilterSettings, SieveUpload, type FilterSaver } from "../../../shared/filters.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { validated } from "../../../shared/validation.ts";
import { jsonBody } from "../validate.ts";
import { changeThroughCore } from "./core-change.ts";

/** Who saves, as FilterSaver reads it from the query; the internal request's signature covers it. */
function saver(c: Context): FilterSaver {
  const principal = c.get("principal");
  return { by: principal.kind, byId: principal.id, scopes: [...principal.scopes] };
}

async function sieveBody(c: Context) {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/sieve" || type === "text/plain") {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    let script: string;
    try {
      script = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw new ProblemError("validation", "A Sieve script is UTF-8 text (RFC 5228 §2.2).", { errors: [{ field: "script", message: "not UTF-8" }] });
    }
    return validated(SieveUpload, { script }, "body");
  }
  return jsonBody(c, SieveUpload);
}

export const filterRoutes = new Hono()
  .get("/filters", async (c) => {
    const user = c.get("user");
    return c.json((await c.get("core").relay(user.rgn, coreApi.filters, { params: { userId: user.sub } })).data);
  })
  .put("/filters", async (c) => {
    const user = c.get("user");
    const body = await jsonBody(c, FilterSettings);
    return c.json(await changeThroughCore(c, coreApi.saveFilterRules, { params: { userId: user.sub }, query: saver(c), body }));
  })
  .put("/filters/sieve", async (c) => {
    const user = c.get("user");
    const body = await sieveBody(c);
    return c.json(await changeThroughCore(c, coreApi.saveSieve, { params: { userId: user.sub }, query: saver(c), body }));
  });
