// Address suggestions for the compose form: the people the user has mailed, ranked and matched by
// the user's core (core/src/store/contacts.ts).
import { Hono } from "hono";
import { ContactsQuery } from "../../../shared/api.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import { query } from "../validate.ts";

export const contactRoutes = new Hono().get("/contacts", async (c) => {
  const contacts = query(c, ContactsQuery);
  const user = c.get("user");
  c.header("x-edgemail-served-by", "core");
  return c.json((await c.get("core").relay(user.rgn, coreApi.contacts, { params: { userId: user.sub }, query: contacts })).data);
});
