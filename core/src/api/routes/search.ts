// Full-text search over the user's mail (search/): the query is parsed here, so that a malformed one
// is a 400 naming where and what is wrong, and answered from the user's shard.
import { Hono } from "hono";
import { coreApi } from "../../../../shared/internal-api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import { SearchSyntaxError, type SearchNode } from "../../search/query-ast.ts";
import { parseSearchQuery } from "../../search/query-parser.ts";
import { resolveMe } from "../../search/resolve-me.ts";
import { searchMessages } from "../../search/search.ts";
import { answer, serve } from "../serve.ts";
import { parseQuery } from "../validate.ts";

function parsed(q: string, now: number): SearchNode {
  try {
    return parseSearchQuery(q, now);
  } catch (err) {
    if (!(err instanceof SearchSyntaxError)) throw err;
    throw new ProblemError("validation", `The search query is not valid at character ${err.position + 1}: ${err.message}.`, {
      errors: [{ field: "query.q", message: `at ${err.position}: ${err.message}` }],
    });
  }
}

export function searchRoutes(): Hono {
  const app = new Hono();
  serve(app, coreApi.search, async (c) => {
    const query = parseQuery(c, coreApi.search);
    const now = Date.now();
    const user = c.get("user");
    return answer(c, coreApi.search, await searchMessages(c.get("shard"), user.id, resolveMe(parsed(query.q, now), user.address), { ...query, now }));
  });
  return app;
}
