// The core API's typed context variables, declared once (Hono's module augmentation).
import type { DirectoryUser } from "../store/directory.ts";
import type { ShardDatabase } from "../store/shards.ts";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
    /** The request body exactly as signed. */
    rawBody: Uint8Array;
    user: DirectoryUser;
    shard: ShardDatabase;
  }
}
