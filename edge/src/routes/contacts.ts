// Address suggestions for the compose form: the people the user has mailed, ranked and matched by
// the user's core (core/src/store/contacts.ts).
import { Hono } from "hono";
import { ContactsQuery, type ContactList } from "../../../shared/api.ts";
import { query } from "../validate.ts";

export const contactRoutes = new Hono().get("/contacts", async (c) => {
  const { q, limit } = query(c, ContactsQuery);
  const user = c.get("user");
  const qs = new URLSearchParams({ q, limit: String(limit) });
  c.header("x-edgemail-served-by", "core");
  return c.json(await c.get("core").json<ContactList>(user.rgn, "GET", `/internal/v1/users/${user.sub}/contacts?${qs}`));
});
