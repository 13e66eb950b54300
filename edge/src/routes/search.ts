// Search over the signed-in user's mail: the query string is validated here, then the user's core
// parses the query itself (a malformed one is its 400, naming the position) and searches its shard,
// and its page goes back to the client as it wrote it.
import { Hono } from "hono";
import { SearchQuery } from "../../../shared/api.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import { query } from "../validate.ts";

export const searchRoutes = new Hono().get("/search", async (c) => {
  const search = query(c, SearchQuery);
  const user = c.get("user");
  // A page of 50 results is ~50 KB of JSON the edge does not act on: passed through as the core wrote it.
  const page = await c.get("core").pass(user.rgn, coreApi.search, { params: { userId: user.sub }, query: search });
  page.headers.set("x-edgemail-served-by", "core");
  return page;
});
