// Address suggestions: the people the user has mailed (store/contacts.ts), from the user's shard.
import { Hono } from "hono";
import { coreApi } from "../../../../shared/internal-api.ts";
import { listContacts } from "../../store/contacts.ts";
import { answer, serve } from "../serve.ts";
import { parseQuery } from "../validate.ts";

export function contactRoutes(): Hono {
  const app = new Hono();
  serve(app, coreApi.contacts, async (c) => {
    const { q, limit } = parseQuery(c, coreApi.contacts);
    return answer(c, coreApi.contacts, { contacts: await listContacts(c.get("shard").db, c.get("user").id, { q, limit, now: Date.now() }) });
  });
  return app;
}
