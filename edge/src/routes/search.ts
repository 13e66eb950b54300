// Search over the signed-in user's mail: the query string is validated here, then the user's core
// parses the query itself (a malformed one is its 400, naming the position) and searches its shard.
import { Hono } from "hono";
import { SearchQuery } from "../../../shared/api.ts";
import { query } from "../validate.ts";

export const searchRoutes = new Hono().get("/search", async (c) => {
  const { q, limit, cursor, sort } = query(c, SearchQuery);
  const user = c.get("user");
  const qs = new URLSearchParams({ q, limit: String(limit), sort, ...(cursor ? { cursor } : {}) });
  c.header("x-edgemail-served-by", "core");
  return c.json(await c.get("core").json<object>(user.rgn, "GET", `/internal/v1/users/${user.sub}/search?${qs}`));
});
