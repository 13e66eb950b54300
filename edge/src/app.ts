// The edge app, runtime-neutral: Hono and Web APIs only. The runtime hands it a Platform (config,
// blob reader, fetch) through `platformOf`; index.ts does that for Cloudflare Workers.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ProblemError } from "../../shared/problem.ts";
import "./context.ts";
import { CoreClient } from "./core-client.ts";
import { refuseTokenInQuery, requireUser } from "./middleware/auth.ts";
import { limitLogin, limitPrincipal } from "./middleware/rate-limit.ts";
import { notFound, onError } from "./middleware/problem.ts";
import { requestId } from "./middleware/request-id.ts";
import type { Platform } from "./platform.ts";
import { attachmentRoutes } from "./routes/attachments.ts";
import { authRoutes } from "./routes/auth.ts";
import { contactRoutes } from "./routes/contacts.ts";
import { credentialRoutes } from "./routes/credentials.ts";
import { eventRoutes } from "./routes/events.ts";
import { filterRoutes } from "./routes/filters.ts";
import { internalRoutes } from "./routes/internal.ts";
import { passwordRoutes } from "./routes/password.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { mailboxRoutes } from "./routes/mailbox.ts";
import { outboxRoutes } from "./routes/outbox.ts";
import { docsRoutes, openApiRoutes } from "./routes/reference.ts";
import { remoteContentRoutes } from "./routes/remote-content.ts";
import { searchRoutes } from "./routes/search.ts";
import { sendRoutes } from "./routes/send.ts";
import { settingsRoutes } from "./routes/settings.ts";
import { uploadRoutes } from "./routes/uploads.ts";

export function createApp<E extends object>(platformOf: (env: E) => Platform): Hono<{ Bindings: E }> {
  const app = new Hono<{ Bindings: E }>();
  app.use("*", requestId);
  app.use("*", async (c, next) => {
    const platform = platformOf(c.env);
    if (!platform.config.ok) {
      c.get("log").error("edge: misconfigured", { problems: platform.config.problems });
      throw new ProblemError("unavailable", `The edge is misconfigured: ${platform.config.problems.map((p) => p.split(":")[0]).join(", ")}.`);
    }
    c.set("config", platform.config.config);
    c.set("platform", platform);
    c.set("core", new CoreClient(platform.config.config, platform.fetch, c.get("requestId")));
    await next();
  });

  app.get("/", (c) => c.json({ service: "edgemail", api: "/api/v1" }));

  const api = new Hono<{ Bindings: E }>();
  api.use("*", refuseTokenInQuery);
  // Bodies are small JSON, except a message's (text and html up to the message size limit) and an
  // attachment upload (streamed, checked against its Content-Length by its route).
  api.use("*", async (c, next) => {
    const { method, path } = c.req;
    if (method === "POST" && path === "/api/v1/attachments") return next();
    const carriesMessage = (method === "POST" && path === "/api/v1/messages") || (method === "PUT" && path.startsWith("/api/v1/drafts/"));
    const maxSize = carriesMessage ? c.get("config").maxMessageBytes + 64 * 1024 : 256 * 1024;
    return bodyLimit({ maxSize, onError: () => { throw new ProblemError("payloadTooLarge", `The body is larger than ${maxSize} bytes.`); } })(c, next);
  });
  api.use("*", async (c, next) => {
    await next();
    if (c.res.status !== 101 && !c.res.headers.has("cache-control")) c.header("cache-control", "no-store");
  });
  api.route("/", openApiRoutes);
  api.on("POST", "/auth/login", limitLogin);
  api.route("/auth", authRoutes);
  api.use("*", requireUser);
  api.use("*", limitPrincipal);
  api.route("/", mailboxRoutes);
  api.route("/", attachmentRoutes);
  api.route("/", uploadRoutes);
  api.route("/", sendRoutes);
  api.route("/", outboxRoutes);
  api.route("/", settingsRoutes);
  api.route("/", eventRoutes);
  api.route("/", credentialRoutes);
  api.route("/", passwordRoutes);
  api.route("/", webhookRoutes);
  api.route("/", filterRoutes);
  api.route("/", searchRoutes);
  api.route("/", contactRoutes);
  api.route("/", remoteContentRoutes);
  app.route("/api/v1", api);
  app.route("/internal/v1", internalRoutes);
  app.route("/api", docsRoutes);

  app.notFound(notFound);
  app.onError(onError);
  return app;
}
