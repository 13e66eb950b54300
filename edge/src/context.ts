// The edge app's typed context variables, declared once (Hono's module augmentation).
import type { EdgeConfig } from "./config.ts";
import type { CoreClient } from "./core-client.ts";
import type { BlobBucket, Platform } from "./platform.ts";
import type { AccessClaims } from "./token.ts";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
    config: EdgeConfig;
    core: CoreClient;
    blobs: BlobBucket;
    platform: Platform;
    /** Set by the auth middleware on every route but login. */
    user: AccessClaims;
  }
}
