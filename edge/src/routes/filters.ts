// The user's filters: GET the active script and the rules it came from; PUT JSON rules (with the
// vacation answer), which the core compiles to Sieve; PUT a Sieve script of one's own, as JSON
// `{ "script": … }` or as the script itself with `Content-Type: application/sieve` (RFC 5804's type).
// A save tells the core who makes it: adding a forward to an outside address needs a password session
// or the scope mail.forward, which the core judges after parsing the script (scopes.ts).
import { Hono, type Context } from "hono";
import { FilterSettings, SieveUpload, type FilterSaver } from "../../../shared/filters.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { validated } from "../../../shared/validation.ts";
import { jsonBody } from "../validate.ts";

async function toCore(c: Context, method: string, path: string, body?: unknown): Promise<Response> {
  const user = c.get("user");
  return c.json(await c.get("core").json<object>(user.rgn, method, `/internal/v1/users/${user.sub}${path}`, body));
}

/** The query naming who saves, as FilterSaver reads it; the internal request's signature covers it. */
function saverQuery(c: Context): string {
  const principal = c.get("principal");
  const saver: Record<keyof FilterSaver, string> = { by: principal.kind, byId: principal.id, scopes: principal.scopes.join(",") };
  return new URLSearchParams(saver).toString();
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
  .get("/filters", (c) => toCore(c, "GET", "/filters"))
  .put("/filters", async (c) => toCore(c, "PUT", `/filters?${saverQuery(c)}`, await jsonBody(c, FilterSettings)))
  .put("/filters/sieve", async (c) => toCore(c, "PUT", `/filters/sieve?${saverQuery(c)}`, await sieveBody(c)));
