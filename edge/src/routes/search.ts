// Search over the signed-in user's mail: the query string is validated here, then the user's core
// parses the query itself (a malformed one is its 400, naming the position) and searches its shard.
import { Hono } from "hono";
import { SearchQuery } from "../../../shared/api.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import { query } from "../validate.ts";

export const searchRoutes = new Hono().get("/search", async (c) => {
  const search = query(c, SearchQuery);
  const user = c.get("user");
  c.header("x-edgemail-served-by", "core");
  return c.json((await c.get("core").relay(user.rgn, coreApi.search, { params: { userId: user.sub }, query: search })).data);
});
