// How much memory a core process may hold beyond what it uses (README "Memory of a core").
//
// V8 sizes each isolate's young generation from the host's memory: on a 24 GiB host each of the core's
// isolates (the main thread, the pipeline thread, the delivery thread) grew its new space to 96–128 MiB
// while the core's modules loaded, and never gave it back; that was most of a core's 790–930 MiB peak
// RSS during ingest. A core's young objects are a session's or a batch's: 16 MiB semi-spaces hold them
// with no more collection time than V8's default (8 MiB ones doubled the scavenges and the GC time).
// The old generation V8 also sizes from the host, and lets garbage pile up there before a full
// collection: on sqld shards (every statement an HTTP request) the old spaces reached 92–109 MiB each.
// Starting its limit at 64 MiB and growing it to twice what survived a full collection (V8 picks up
// to four times) kept them near what they hold, at no rate the runs could tell apart; growing by half
// cost some 15 % of the rate. Neither is a hard limit: the heap may still grow to V8's maximum.
// glibc gives each thread that allocates its own 64 MiB malloc arena, and keeps what a burst of mail in
// flight took from it; two arenas for the whole process cost no measurable CPU and 40–70 MiB less RSS.
// Nearly all of a core's malloc is then the main arena (the brk heap), and what grows it under load is
// ArrayBuffers: each message's bytes are copied several times on the SMTP thread (data, unstuffing,
// headers, the spool's record and write) and more in the pipeline thread, and V8 frees those buffers only
// when it collects their objects, so 20–45 MiB of them wait per thread between collections. glibc by
// default raises its mmap threshold to the largest block freed (up to 32 MiB), so a batch's larger
// buffers come from the arena too, and it trims the arena's top only past twice that: the arena grew to
// 110–120 MiB during a 4,000-message ingest and kept it. A fixed 128 KiB mmap threshold (large blocks
// are their own mappings, returned when freed) and a 256 KiB trim threshold: 20–35 MiB less at the peak,
// no CPU per message the runs could tell apart.
// Node strips the types of each .ts module it loads with a WebAssembly build of swc (amaro), which then
// stays in every isolate that loaded a module: some 10 MiB of a core idle. Node's compile cache keeps the
// stripped source (and V8's code cache) on disk: from the second start on, no isolate loads amaro, and
// the modules compile faster. It is written when the core has started (main.ts) and at exit; a directory
// it cannot write only turns it off. Relative to the directory the core starts in (npm's: the package's).
//
// Workers get the young generation's limit through resourceLimits. The main thread takes it only from
// Node's command line, and glibc its arenas and Node its compile cache only from the environment at exec: so package.json's `start`
// and `core` scripts carry CORE_ENV and CORE_NODE_FLAGS (heap-limits.test.ts holds them to it), and
// npm start forks its other cores with them.

/** One semi-space; V8's young generation is three of them (two semi-spaces and the new large objects). */
export const SEMI_SPACE_MB = 16;

/** What a Worker of the core is started with. */
export const WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 3 * SEMI_SPACE_MB } as const;

/** The Node flags a core process is started with (V8's flags hold for the workers' isolates too). */
export const CORE_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`, "--initial-old-space-size=64", "--heap-growing-percent=100"];

/** The environment a core process is started with (read by glibc when the process starts). */
export const CORE_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: "131072",
  MALLOC_TRIM_THRESHOLD_: "262144",
  NODE_COMPILE_CACHE: "node_modules/.cache/node-compile",
};

/** Whether this process was started with CORE_NODE_FLAGS (on its command line or in NODE_OPTIONS). */
export function startedWithCoreFlags(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return CORE_NODE_FLAGS.every((flag) => given.includes(flag)) && Object.entries(CORE_ENV).every(([k, v]) => process.env[k] === v);
}
