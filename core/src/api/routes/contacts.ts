// Address suggestions: the people the user has mailed (store/contacts.ts), from the user's shard.
import { Hono } from "hono";
import { ContactsQuery, type ContactList } from "../../../../shared/api.ts";
import { listContacts } from "../../store/contacts.ts";
import { parseQuery } from "../validate.ts";

export function contactRoutes(): Hono {
  return new Hono().get("/contacts", async (c) => {
    const { q, limit } = parseQuery(c, ContactsQuery);
    const list: ContactList = { contacts: await listContacts(c.get("shard").db, c.get("user").id, { q, limit, now: Date.now() }) };
    return c.json(list);
  });
}
