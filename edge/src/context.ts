// The edge app's typed context variables, declared once (Hono's module augmentation).
import type { EdgeConfig } from "./config.ts";
import type { CoreClient } from "./core-client.ts";
import type { Logger } from "./log.ts";
import type { BlobBucket, Platform } from "./platform.ts";
import type { Scope } from "../../shared/api.ts";
import type { AccessClaims } from "./token.ts";
import type { HubAnswer, LimitVerdict } from "./hub-types.ts";

/** How the request authenticated: a password session (every scope) or an integrator's API key. */
export interface Principal {
  kind: "session" | "apiKey";
  userId: string;
  /** The session id (from the token) or the API key id. */
  id: string;
  scopes: readonly Scope[];
}

declare module "hono" {
  interface ContextVariableMap {
    /** The request's logger: each line names the request's id (middleware/request-id.ts; `requestId`
     * itself is declared by hono/request-id). */
    log: Logger;
    config: EdgeConfig;
    core: CoreClient;
    /** The bucket of the user's home region; set with `user`. */
    blobs: BlobBucket;
    platform: Platform;
    /** Set by the auth middleware on every route but login. */
    user: AccessClaims;
    /** Set with `user`: who is calling and what they may do. */
    principal: Principal;
    /** The hub's answer to the request's read (hub-reads.ts), fetched with the credential check. */
    hubAnswer: HubAnswer | null;
    /** The hub's rate-limit verdict on this request, from the same call (middleware/rate-limit.ts). */
    limited: LimitVerdict;
  }
}
