// Signed requests from the cores to the edge (the same HMAC scheme the edge uses to call a core):
//  POST /internal/v1/events              a core's batch of mailbox events, fanned out to each
//                                        user's Durable Object; 200 once every one has it stored.
//  POST|GET /internal/v1/users/:id/api-keys, DELETE …/:keyId   the operator's CLI managing keys.
//  (Every /users/:id call names the user's home region, ?region=, which picks their Durable Object's
//  jurisdiction; the CLI runs in that region and knows it.)
//  POST /internal/v1/users/:id/revoke {reason}   the CLI after `user password` (every session, API
//                                        key and webhook goes) or for `user revoke`.
//  DELETE /internal/v1/users/:id          the CLI removing the user: everything revoked, the Durable
//                                        Object's storage erased.
//  POST /internal/v1/users/:id/move-hub?region=<new> {from}   the CLI after `user move --region`
//                                        switched the user's home: their hub's state is copied from
//                                        region `from`'s to the new one, checked, and the old one
//                                        keeps only a tombstone (hub/hub-move.ts). 409 while a held
//                                        send is owed to the core. A rerun finishes it.
// A replayed event batch is harmless (the hub ignores seqs it has); the rest is not, so its nonces
// are remembered by the user's Durable Object.
import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { ApiKeyCreate, Id } from "../../../shared/api.ts";
import { CoreEvent, EventNotification } from "../../../shared/events.ts";

const EventEnvelope = EventNotification.extend({ events: z.array(z.unknown()).min(1).max(5000) });
import { ProblemError } from "../../../shared/problem.ts";
import { audienceOf, SIGNATURE_MAX_SKEW_MS, verifyRequest } from "../../../shared/signing.ts";
import { validated } from "../../../shared/validation.ts";
import type { Hub } from "../platform.ts";

const signed = createMiddleware<{ Variables: { nonce: string; rawBody: string } }>(async (c, next) => {
  const body = await c.req.text();
  const url = new URL(c.req.url);
  // Signed for this edge's origin as its caller named it (EDGE_URL): the edge is one receiver everywhere,
  // so this adds no replay protection (the Durable Objects keep the nonces that need it); it only keeps a
  // request signed for another deployment sharing the secret (staging) from being taken here.
  const check = await verifyRequest(c.get("config").internalSigningSecret, [audienceOf(url)], { method: c.req.method, pathAndQuery: url.pathname + url.search, body }, c.req.raw.headers);
  if (!check.ok) throw new ProblemError("unauthorized", `Internal request refused: signature ${check.reason}.`);
  c.set("nonce", check.nonce);
  c.set("rawBody", body);
  await next();
});

function json(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ProblemError("validation", "The body is not JSON.");
  }
}

const KeyCreateInternal = ApiKeyCreate.safeExtend({ address: z.string().min(3).max(320), region: z.string().min(1).max(32) });
const MoveHubInternal = z.strictObject({ from: z.string().regex(/^[a-z0-9-]{1,32}$/, "must be the region the user moved from") });
const RevokeInternal = z.strictObject({ reason: z.enum(["password.changed", "signed-out-everywhere"]) });

function userOf(c: Context): string {
  const userId = c.req.param("userId") ?? "";
  if (!Id.safeParse(userId).success) throw new ProblemError("notFound", "No such user.");
  return userId;
}

const RegionQuery = z.strictObject({ region: z.string().regex(/^[a-z0-9-]{1,32}$/, "must be the user's home region, such as eu") });

/** The hub of the user the path names, in the home region the query names. */
function hubOf(c: Context) {
  const { region } = validated(RegionQuery, c.req.query(), "query");
  return c.get("platform").hub(userOf(c), region);
}

export const internalRoutes = new Hono<{ Variables: { nonce: string; rawBody: string } }>()
  .use("*", signed)
  .post("/events", async (c) => {
    // The envelope must be right (else 400); events are taken one by one, so one this edge cannot read
    // (a newer core, say) is logged and skipped instead of blocking every later one.
    const notification = validated(EventEnvelope, json(c.get("rawBody")), "body");
    const events: CoreEvent[] = [];
    let rejected = 0;
    for (const raw of notification.events) {
      const parsed = CoreEvent.safeParse(raw);
      if (parsed.success) events.push(parsed.data as CoreEvent);
      else {
        rejected++;
        c.get("log").error("edge: skipped an event it cannot read", { event: JSON.stringify(raw).slice(0, 500), issues: parsed.error.issues.slice(0, 3) });
      }
    }
    const byUser = new Map<string, CoreEvent[]>();
    for (const e of events) {
      const list = byUser.get(e.userId);
      if (list) list.push(e);
      else byUser.set(e.userId, [e]);
    }
    const platform = c.get("platform");
    await Promise.all([...byUser].map(([userId, list]) => platform.hub(userId, notification.region).publish(userId, notification.region, list)));
    return c.json({ accepted: events.length, rejected, users: byUser.size });
  })
  .use("/users/:userId/*", async (c, next) => {
    const fresh = await hubOf(c).acceptNonce(c.get("nonce"), SIGNATURE_MAX_SKEW_MS);
    if (!fresh) throw new ProblemError("unauthorized", "Internal request refused: replayed.");
    await next();
  })
  .post("/users/:userId/api-keys", async (c) => {
    const userId = userOf(c);
    const { address, region, ...input } = validated(KeyCreateInternal, json(c.get("rawBody")), "body");
    if (region !== c.req.query("region")) throw new ProblemError("validation", "The body's region is not the query's.", { errors: [{ field: "body.region", message: "must be the region the query names" }] });
    return c.json(await hubOf(c).createApiKey(userId, region, address, input, "operator"), 201);
  })
  .get("/users/:userId/api-keys", async (c) => c.json({ keys: await hubOf(c).listApiKeys() }))
  .delete("/users/:userId/api-keys/:keyId", async (c) => {
    const keyId = c.req.param("keyId");
    if (!(await hubOf(c).revokeApiKey(keyId, "operator"))) throw new ProblemError("notFound", `No API key ${keyId}.`);
    return c.json({ revoked: true });
  })
  .post("/users/:userId/revoke", async (c) => {
    const { reason } = validated(RevokeInternal, json(c.get("rawBody")), "body");
    return c.json(await hubOf(c).revokeCredentials(reason, "operator", null));
  })
  .delete("/users/:userId", async (c) => c.json(await hubOf(c).erase()))
  .post("/users/:userId/move-hub", async (c) => {
    const userId = userOf(c);
    const { region: to } = validated(RegionQuery, c.req.query(), "query");
    const { from } = validated(MoveHubInternal, json(c.get("rawBody")), "body");
    if (from === to) throw new ProblemError("validation", "The hub is already in that region.", { errors: [{ field: "body.from", message: "must differ from the query's region" }] });
    const platform = c.get("platform");
    return c.json(await moveHub(userId, platform.hub(userId, from), platform.hub(userId, to), from, to));
  });

/** Copies, checks, then erases: the old hub is erased only if it still holds exactly what the new one
 * was checked to hold; a change in between (a session signed in at the old hub) makes a new copy. */
async function moveHub(userId: string, source: Hub, target: Hub, from: string, to: string): Promise<{ from: string; to: string; rows: number; resumed: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const exported = await source.exportForMove();
    if ("movedTo" in exported) {
      if (exported.movedTo !== to) throw new ProblemError("conflict", `The hub in ${from} moved to ${exported.movedTo}, not ${to}.`);
      return { from, to, rows: 0, resumed: true };
    }
    // A rerun that names a region the user never lived in (the CLI tries each when it cannot tell).
    if ("empty" in exported) return { from, to, rows: 0, resumed: true };
    if ("pendingSends" in exported) {
      throw new ProblemError("conflict", `${exported.pendingSends} held send(s) are still owed to the core in ${from}; try again once they have gone out.`, { headers: { "retry-after": "10" } });
    }
    const { missing } = await target.importMovedState(userId, to, exported.state, exported.digest);
    if (missing > 0) throw new ProblemError("internal", `The copy of the hub in ${to} lacks ${missing} row(s); the hub in ${from} is kept.`);
    if ((await source.finishMove(to, exported.digest)) === "erased") {
      return { from, to, rows: Object.values(exported.state.tables).reduce((n, rows) => n + rows.length, 0), resumed: false };
    }
  }
  throw new ProblemError("conflict", `The hub in ${from} kept changing while it was copied; try again.`, { headers: { "retry-after": "1" } });
}
