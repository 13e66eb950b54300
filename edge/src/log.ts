// The edge's logger: the shared line shape (shared/log-lines.ts), the core's too, written to the
// console by level (Workers Logs and `wrangler tail` take the level from the console method).
import { createLogger as createLines, type Logger } from "../../shared/log-lines.ts";

export type { Logger };

export const createLogger = (base: Record<string, unknown> = {}): Logger => createLines((level, line) => console[level](line), base);

export const log = createLogger({ svc: "edge" });
