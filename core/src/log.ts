// The core's logger: the shared line shape (shared/log-lines.ts) on stderr, one object per event, so
// operators can grep or ship them; below LOG_LEVEL nothing is written (nor serialized).
import { createLogger as createLines, type Level, type Logger } from "../../shared/log-lines.ts";

export type { Logger };

const order: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let threshold = order.info;

export function setLogLevel(level: Level | "silent"): void {
  threshold = order[level];
}

export function createLogger(base: Record<string, unknown> = {}): Logger {
  const lines = createLines((_level, line) => process.stderr.write(line + "\n"), base);
  const gated = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (order[level] >= threshold) lines[level](msg, fields);
  };
  return { debug: gated("debug"), info: gated("info"), warn: gated("warn"), error: gated("error"), child: (fields) => createLogger({ ...base, ...fields }) };
}

export const log = createLogger({ svc: "core" });
