// The user's filters: JSON rules (and the vacation answer) that compile to Sieve, or a Sieve script
// of their own, as Fastmail and Dovecot users bring them. A script that does not parse is refused
// with the line and column of the error. A save names who makes it (the query, which the signature
// covers): adding a forward to an outside address needs the right to (filter-forwarding.ts).
import { Hono, type Context } from "hono";
import { compileFilters } from "../../../../shared/filters-sieve.ts";
import type { Filters, FilterSettings } from "../../../../shared/filters.ts";
import { coreApi } from "../../../../shared/internal-api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import { judgeForwarding, outsideTargets, type ForwardingFields } from "../../filter-forwarding.ts";
import { parseSieve } from "../../pipeline/sieve/parse.ts";
import type { SieveScript } from "../../pipeline/sieve/script.ts";
import { SieveSyntaxError } from "../../pipeline/sieve/syntax-error.ts";
import type { MailboxService } from "../../mailbox/service.ts";
import type { Directory } from "../../store/directory.ts";
import { getFilters, type StoredFilters } from "../../store/filters.ts";
import { answerChange } from "../change.ts";
import { answer, serve } from "../serve.ts";
import { parseBody, parseQuery } from "../validate.ts";

function view(stored: StoredFilters | null): Filters {
  return stored ? { script: stored.script, settings: stored.settings, updatedAt: new Date(stored.updatedAt).toISOString() } : { script: null, settings: null, updatedAt: null };
}

export function filterRoutes(deps: { directory: Directory; mailbox: MailboxService }): Hono {
  const app = new Hono();

  const save = async (c: Context, route: typeof coreApi.saveFilterRules | typeof coreApi.saveSieve, script: string, parsed: SieveScript, settings: FilterSettings | null, fields: ForwardingFields) => {
    const saver = parseQuery(c, route);
    const userId = c.get("user").id;
    // Resolved before the transaction: the directory is another database.
    const outside = await outsideTargets(deps.directory, userId, parsed);
    const change = await deps.mailbox.saveFilters(c.get("user"), script, settings, (previous) => judgeForwarding(outside, previous?.script ?? null, saver, fields));
    return answerChange(c, route, { ...change, value: view(change.value) });
  };

  serve(app, coreApi.filters, async (c) => answer(c, coreApi.filters, view(await getFilters(c.get("shard").db, c.get("user").id))));

  serve(app, coreApi.saveFilterRules, async (c) => {
    const settings = parseBody(c, coreApi.saveFilterRules);
    const script = compileFilters(settings);
    let parsed: SieveScript;
    try {
      parsed = parseSieve(script);
    } catch (error) {
      // The compiler only writes what the engine runs; should that ever break, say so rather than store it.
      if (error instanceof SieveSyntaxError) throw new ProblemError("internal", `The rules compiled to a script the filter engine refuses (line ${error.line}: ${error.message}).`);
      throw error;
    }
    return save(c, coreApi.saveFilterRules, script, parsed, settings, { kind: "rules", settings });
  });

  serve(app, coreApi.saveSieve, async (c) => {
    const { script } = parseBody(c, coreApi.saveSieve);
    let parsed: SieveScript;
    try {
      parsed = parseSieve(script);
    } catch (error) {
      if (!(error instanceof SieveSyntaxError)) throw error;
      const where = `line ${error.line}, column ${error.column}: ${error.message}`;
      throw new ProblemError("validation", `The script does not parse: ${where}`, { errors: [{ field: "script", message: where }] });
    }
    return save(c, coreApi.saveSieve, script, parsed, null, { kind: "script" });
  });

  return app;
}
