// `npm run check` step: the direction of dependencies in the code. Fails when
//  - core/src or shared imports a devDependency statically (production installs without them), or
//    with import() anywhere but in the local tools (LOCAL_ONLY below), or
//  - core/src/store imports from a layer above it (pipeline/, search/, smtp/, api/, mailbox/, cli/), or
//  - any import circle exists among the modules of core/src or of edge/src, or among their rooms (the
//    folders directly under them, and the files beside those folders): smtp/ may use pipeline/ or the
//    other way round, not both.
// Every import counts, type-only ones too: a type shared by two layers belongs to the lower one.
// Tests are left out (a test may import anything it exercises). Written by hand: it needs only the
// static import specifiers of our own .ts files, which a regular expression reads exactly here
// (dependency-cruiser would do the same with a larger tree of dependencies).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const rel = (f: string) => path.relative(ROOT, f);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [full] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith(".")) continue;
    const target = path.resolve(path.dirname(file), spec);
    if (existsSync(target) && statSync(target).isFile()) out.push(target);
  }
  return out;
}

const problems: string[] = [];

// ── the store at the bottom ──
const STORE = path.join(ROOT, "core/src/store");
const ABOVE_STORE = ["pipeline", "search", "smtp", "api", "mailbox", "cli"].map((d) => path.join(ROOT, "core/src", d) + path.sep);
for (const file of sources(STORE)) {
  for (const target of importsOf(file)) {
    if (ABOVE_STORE.some((dir) => target.startsWith(dir))) problems.push(`${rel(file)} imports ${rel(target)}: the store imports nothing from a layer above it`);
  }
}

// ── no circles (Tarjan's strongly connected components), between files and between rooms ──
/** A module's room: its folder directly under `dir` (core/src/smtp), or the file itself at the top. */
function room(dir: string, file: string): string {
  const first = path.relative(dir, file).split(path.sep)[0]!;
  return path.join(dir, first);
}

function circles(dir: string, node: (file: string) => string = (f) => f): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const f of sources(dir)) {
    const from = node(f);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const t of importsOf(f)) if (t.startsWith(dir + path.sep) && node(t) !== from) edges.add(node(t));
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.map(rel).sort());
    }
  };
  for (const f of graph.keys()) if (!index.has(f)) visit(f);
  return found;
}

for (const dir of ["core/src", "edge/src"]) {
  const abs = path.join(ROOT, dir);
  for (const c of circles(abs)) problems.push(`import circle in ${dir}: ${c.join(" ⇄ ")}`);
  for (const c of circles(abs, (f) => room(abs, f))) problems.push(`rooms of ${dir} import each other: ${c.join(" ⇄ ")}`);
}

// ── production imports no devDependency at module top level ──
// `npm ci --omit=dev` leaves those out, so a core that imports one statically cannot start. Tools for
// local development (the emulators of local-edge.ts and store/local-r2.ts) load theirs with import().
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
const dev = new Set(Object.keys(pkg.devDependencies));
const STATIC_PACKAGE = /(?:^|\n)\s*(?:import|export)\s[^;'"]*?from\s*["']([^"'.][^"']*)["']|(?:^|\n)\s*import\s*["']([^"'.][^"']*)["']/g;
const packageOf = (spec: string) => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
for (const dir of ["core/src", "shared"]) {
  for (const file of sources(path.join(ROOT, dir))) {
    for (const m of readFileSync(file, "utf8").matchAll(STATIC_PACKAGE)) {
      const spec = m[1] ?? m[2]!;
      // Type-only imports are erased when Node strips the types.
      if (/^\s*(?:import|export)\s+type\s/.test(m[0].trimStart()) || spec.startsWith("node:")) continue;
      if (dev.has(packageOf(spec))) problems.push(`${rel(file)} imports the devDependency ${packageOf(spec)} at top level: production (npm ci --omit=dev) has no such package; load it with import() where it is needed`);
    }
  }
}

// A devDependency loaded with import() is found only when that line runs, so only the local tools may
// do it, each for a reason production never meets. test/e2e/production.test.ts runs a core and the CLI
// from an `npm ci --omit=dev` install for the paths that do run there.
const LOCAL_ONLY: Record<string, string> = {
  "core/src/local-edge.ts": "npm start's edge (Miniflare through wrangler); production runs the worker on Cloudflare",
  "core/src/store/local-r2.ts": "the R2 emulator of BLOB_STORE=local; production sets BLOB_STORE=s3",
  "core/src/local-upstash.ts": "npm start's stand-in for Upstash's REST server (node-redis to a local redis-server); production talks to Upstash",
};
const DYNAMIC_PACKAGE = /import\(\s*["']([^"'.][^"']*)["']\s*\)/g;
for (const dir of ["core/src", "shared"]) {
  for (const file of sources(path.join(ROOT, dir))) {
    for (const m of readFileSync(file, "utf8").matchAll(DYNAMIC_PACKAGE)) {
      const name = packageOf(m[1]!);
      if (dev.has(name) && !(rel(file) in LOCAL_ONLY)) {
        problems.push(`${rel(file)} loads the devDependency ${name} with import(): production has no such package; only local tools may (LOCAL_ONLY in scripts/check-layers.ts), or make it a dependency`);
      }
    }
  }
}

if (problems.length) {
  console.error(`check-layers: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("check-layers: the store imports nothing above it; no import circles in core/src or edge/src; no devDependency imported by core/src or shared (at top level, or with import() outside the local tools)");
