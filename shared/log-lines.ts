// The one shape of a log line, for both tiers: one JSON object per line with `time`, `level`, `msg`,
// the logger's fields (the service, a request's id …), then the event's; an error always under `err`,
// with its name, message and stack. So one query finds a request's lines at the edge and at the core.
// Each tier gives the sink: the core writes stderr, the edge the console (whose method the Workers
// runtime reads the level from).
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Where a line goes; `line` is the JSON text without a newline. */
export type LogSink = (level: Level, line: string) => void;

function serializeError(err: unknown): unknown {
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : err;
}

export function createLogger(sink: LogSink, base: Record<string, unknown> = {}): Logger {
  const write = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...base };
    for (const [k, v] of Object.entries(fields ?? {})) entry[k] = k === "err" ? serializeError(v) : v;
    sink(level, JSON.stringify(entry));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(sink, { ...base, ...fields }),
  };
}
