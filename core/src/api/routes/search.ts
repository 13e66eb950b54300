// Full-text search over the user's mail (search/): the query is parsed here, so that a malformed one
// is a 400 naming where and what is wrong, and answered from the user's shard.
import { Hono } from "hono";
import { SearchQuery } from "../../../../shared/api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import { SearchSyntaxError, type SearchNode } from "../../search/query-ast.ts";
import { parseSearchQuery } from "../../search/query-parser.ts";
import { resolveMe } from "../../search/resolve-me.ts";
import { searchMessages } from "../../search/search.ts";
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
  return new Hono().get("/search", async (c) => {
    const query = parseQuery(c, SearchQuery);
    const now = Date.now();
    const user = c.get("user");
    return c.json(await searchMessages(c.get("shard"), user.id, resolveMe(parsed(query.q, now), user.address), { ...query, now }));
  });
}
