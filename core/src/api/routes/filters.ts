// The user's filters: JSON rules (and the vacation answer) that compile to Sieve, or a Sieve script
// of their own, as Fastmail and Dovecot users bring them. A script that does not parse is refused
// with the line and column of the error.
import { Hono } from "hono";
import { compileFilters } from "../../../../shared/filters-sieve.ts";
import { FilterSettings, SieveUpload, type Filters } from "../../../../shared/filters.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import { validateSieve } from "../../pipeline/sieve/parse.ts";
import { getFilters, saveFilters, type StoredFilters } from "../../store/filters.ts";
import { parseBody } from "../validate.ts";

function view(stored: StoredFilters | null): Filters {
  return stored ? { script: stored.script, settings: stored.settings, updatedAt: new Date(stored.updatedAt).toISOString() } : { script: null, settings: null, updatedAt: null };
}

export function filterRoutes(): Hono {
  const app = new Hono();

  app.get("/filters", async (c) => c.json(view(await getFilters(c.get("shard").db, c.get("user").id))));

  app.put("/filters", async (c) => {
    const settings = parseBody(c, FilterSettings);
    const script = compileFilters(settings);
    // The compiler only writes what the engine runs; should that ever break, say so rather than store it.
    const error = validateSieve(script);
    if (error) throw new ProblemError("internal", `The rules compiled to a script the filter engine refuses (line ${error.line}: ${error.message}).`);
    return c.json(view(await saveFilters(c.get("shard"), c.get("user").id, script, settings)));
  });

  app.put("/filters/sieve", async (c) => {
    const { script } = parseBody(c, SieveUpload);
    const error = validateSieve(script);
    if (error) {
      throw new ProblemError("validation", `The script does not parse: line ${error.line}, column ${error.column}: ${error.message}`, {
        errors: [{ field: "script", message: `line ${error.line}, column ${error.column}: ${error.message}` }],
      });
    }
    return c.json(view(await saveFilters(c.get("shard"), c.get("user").id, script, null)));
  });

  return app;
}
