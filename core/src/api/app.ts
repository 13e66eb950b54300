// The core's internal HTTP API, called only by the edge. Every route but /healthz needs a valid
// signature (HMAC of this core's origin, method, path, timestamp, nonce and body hash); user routes name the user in
// the path, which the signature covers, and are served from that user's shard.
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { isStoreUnavailable } from "../store/unavailable.ts";
import { problemResponse, ProblemError, problemKinds, problemType } from "../../../shared/problem.ts";
import { verifyRequest } from "../../../shared/signing.ts";
import { isUuidv7 } from "../../../shared/ids.ts";
import type { PasswordLogin } from "../auth/password-login.ts";
import { LOCKED_PASSWORD_HASH } from "../mailbox/accounts.ts";
import type { Logger } from "../log.ts";
import type { Directory } from "../store/directory.ts";
import type { Shards } from "../store/shards.ts";
import "./context.ts";
import { ReplayGuard } from "./replay-guard.ts";
import type { ReplayNonceStore } from "../store/replay-nonces.ts";
import { answer, serve } from "./serve.ts";
import { parseBody } from "./validate.ts";
import { authRoutes } from "./routes/auth.ts";
import { contactRoutes } from "./routes/contacts.ts";
import { eventRoutes } from "./routes/events.ts";
import { mailboxRoutes } from "./routes/mailbox.ts";
import { outboxRoutes, type OutboxDeps } from "./routes/outbox.ts";
import { scanRoutes } from "./routes/scan.ts";
import { filterRoutes } from "./routes/filters.ts";
import { passwordRoutes } from "./routes/password.ts";
import { searchRoutes } from "./routes/search.ts";
import { homeRoutes } from "./routes/homes.ts";
import { relayRoutes, type RelayReceiverDeps } from "./routes/relay.ts";
import type { GlobalDirectory } from "../store/global-directory.ts";
import type { VirusScan } from "../smtp/inbound/virus-scan.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import type { OutboundQueue } from "../store/outbound-queue.ts";

export interface ApiDeps extends OutboxDeps {
  queue: OutboundQueue;
  /** Prometheus text exposition, for GET /metrics. */
  metrics: () => Promise<string>;
  directory: Directory;
  shards: Shards;
  /** The password check with its failure limits, shared with SMTP submission. */
  logins: PasswordLogin;
  signingSecret: string;
  /** The origins the edge reaches this core by (API_URLS, or its API's own address once it listens): a
   * request signed for another core of the region is refused, so this core's nonces suffice. */
  audiences: () => readonly string[];
  /** The nonces the region's cores share (Redis or REPLAY_STORE_URL), or null: this process's memory only. */
  replayNonces: ReplayNonceStore | null;
  region: string;
  log: Logger;
  /** Spool and pipeline figures for /healthz. */
  health: () => Record<string, unknown>;
  /** The virus scanner for uploads, or null when none is configured. */
  scan: VirusScan | null;
  /** With several regions: the global directory (the edge's "which region?") and the home side of
   * the MX relay (mail other regions' MXs received for this region's users). */
  global?: GlobalDirectory | null;
  relay?: RelayReceiverDeps | null;
}

export function createApiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  const replays = new ReplayGuard(deps.replayNonces);

  // The edge's id for the request (its x-request-id), so one id names the request in both tiers' logs;
  // a new one for calls that come without (the operator's /healthz, /metrics).
  app.use("*", requestId());

  app.get("/healthz", (c) => c.json({ ok: true, region: deps.region, ...deps.health() }));
  // Like /healthz, for the operator's scraper on the internal network, not for the edge.
  app.get("/metrics", async (c) => c.text(await deps.metrics(), 200, { "content-type": "text/plain; version=0.0.4" }));

  app.use("/internal/*", async (c, next) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    const url = new URL(c.req.url);
    const check = await verifyRequest(deps.signingSecret, deps.audiences(), { method: c.req.method, pathAndQuery: url.pathname + url.search, body }, c.req.raw.headers);
    if (!check.ok) throw new ProblemError("unauthorized", `Internal request refused: signature ${check.reason}.`);
    let fresh: boolean;
    try {
      fresh = await replays.accept(check.nonce);
    } catch (err) {
      deps.log.warn("api: the shared replay store cannot be reached", { err });
      throw new ProblemError("unavailable", "The replay check cannot be made right now; try again shortly.", { headers: { "retry-after": "2" } });
    }
    if (!fresh) throw new ProblemError("unauthorized", "Internal request refused: replayed.");
    c.set("rawBody", body);
    await next();
  });

  app.use("/internal/v1/users/:userId/*", async (c, next) => {
    const userId = c.req.param("userId");
    const user = isUuidv7(userId) ? await deps.directory.userById(userId) : null;
    // A user being removed is locked first (mailbox/accounts.ts): from then on nothing of theirs is served, even
    // to a session or API key the edge has not forgotten yet.
    if (!user || user.passwordHash === LOCKED_PASSWORD_HASH) throw new ProblemError("notFound", "No such user.");
    // While the mailbox is copied elsewhere (store/mailbox-move) reads are served from the copy the
    // directory names; a write there now could be left behind, so it waits for the move.
    if (user.movingTo && c.req.method !== "GET" && c.req.method !== "HEAD") {
      throw new ProblemError("unavailable", "This mailbox is being moved; try again shortly.", { headers: { "retry-after": "5" } });
    }
    c.set("user", user);
    c.set("shard", await deps.shards.need(user.shard));
    await next();
  });

  // Each route sits at its path in the edge→core contract (shared/internal-api.ts).
  for (const routes of [
    authRoutes(deps),
    mailboxRoutes(deps),
    outboxRoutes(deps),
    eventRoutes(),
    scanRoutes(deps),
    filterRoutes(deps),
    passwordRoutes(deps),
    searchRoutes(),
    contactRoutes(),
    homeRoutes({ global: deps.global ?? null, region: deps.region }),
    ...(deps.relay ? [relayRoutes(deps.relay)] : []),
  ]) {
    app.route("/", routes);
  }
  // The edge's outgoing-errors queue: messages that failed validation there, kept for the operator.
  serve(app, coreApi.queueError, async (c) => {
    await deps.queue.addError(parseBody(c, coreApi.queueError));
    return answer(c, coreApi.queueError, { recorded: true });
  });

  const answerProblem = (err: ProblemError, requestId: string) => problemResponse({ ...err.problem, requestId }, err.headers);
  app.notFound((c) => answerProblem(new ProblemError("notFound", "No such route."), c.get("requestId")));

  app.onError((err, c) => {
    const requestId = c.get("requestId");
    if (err instanceof ProblemError) return answerProblem(err, requestId);
    if (isStoreUnavailable(err)) {
      // The user's shard (or the directory) is down or restarting: the caller tries again; other users' calls go on.
      deps.log.warn("api: a database is unavailable", { err: String(err), requestId, path: c.req.path });
      return answerProblem(new ProblemError("unavailable", "This mailbox's storage is briefly unavailable; try again shortly.", { headers: { "retry-after": "5" } }), requestId);
    }
    deps.log.error("api: unexpected error", { err, requestId, path: c.req.path });
    return problemResponse({
      type: problemType("internal"),
      title: problemKinds.internal.title,
      status: 500,
      detail: "Something went wrong on our side; it has been logged. Try again, and quote the request id if it persists.",
      requestId,
    });
  });

  return app;
}
