// postinstall: two small changes to dependencies, each the kind of option or cache upstream would take,
// applied to both builds of each package (CommonJS and ES modules). Each refuses to guess when the code
// it changes is not found (another version), so an upgrade cannot silently lose it. Plain JavaScript
// for any Node that runs `npm install` (a production `npm ci --omit=dev` has no Node 24 yet when this runs).
//
// 1. smtp-server (3.21.6) waits a hard-coded 100 ms before every greeting, to catch clients that talk
//    before it (spam bots do): one message per connection, as most MTAs send, then tops out near 150
//    messages a second for 20 sessions. Postfix greets at once and makes the same check opt-in
//    (postscreen's greet pause). This adds the option `earlyTalkerDelay` (ms; 100 when absent, as
//    upstream behaves; 0 greets at once, in the same turn: a 0 ms timer still cost every connection a
//    millisecond and more), which the MX sets from SMTP_GREETING_PAUSE_MS.
//
// 2. @libsql/client (0.18.0), for `file:` databases (the embedded default), prepares every statement
//    again on every execute, and finds out whether it returns rows by catching the exception raw()
//    throws: about a third of the CPU every query costs (SQLite's prepare, the column list, the
//    exception). This keeps the prepared statements of each connection in a bounded cache keyed by
//    the SQL text, as better-sqlite3 users and sqld itself do. Statements are run to completion
//    synchronously, so one statement is never in use twice at once; SQLite re-prepares a statement
//    itself when the schema changes, and a schema change (CREATE, ALTER, DROP: migrations) empties the
//    cache, so no cached column list outlives its table. Remote databases (sqld) are not touched.
//
// 3. postal-mime (4.0.0) gathers each MIME part's decoded lines (two chunks a line) into a Blob and
//    reads it back with blob.arrayBuffer(): Node's Blob reads its parts one by one through promises,
//    half of the CPU of parsing a plain 5 KB message (0.8 ms, measured 2026-12-08), on every message
//    the service receives or sends. This joins the chunks into one buffer directly, the bytes the Blob
//    held (strings as UTF-8, buffers and views as their bytes).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const modules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "node_modules");
const MARK = "/* edgemail: scripts/patch-dependencies.mjs */";

const smtpServer = {
  name: "smtp-server",
  files: ["smtp-server/dist/cjs/smtp-connection.js", "smtp-server/dist/esm/smtp-connection.js"],
  edits: [
    {
      original: "let readyTimer = setTimeout(() => this.connectionReady(), 100);",
      // 0 greets in the same turn: even a 0 ms timer is a millisecond and a trip round a busy event loop.
      patched: `if (this._server.options.earlyTalkerDelay === 0) return this.connectionReady(); let readyTimer = setTimeout(() => this.connectionReady(), this._server.options.earlyTalkerDelay ?? 100); ${MARK}`,
      // What this script wrote before (a tree patched then is brought up to date).
      previous: [`let readyTimer = setTimeout(() => this.connectionReady(), this._server.options.earlyTalkerDelay ?? 100); ${MARK}`],
    },
  ],
};

const PREPARE_ORIGINAL = `        const sqlStmt = db.prepare(sql);
        sqlStmt.safeIntegers(true);
        let returnsData = true;
        try {
            sqlStmt.raw(true);
        }
        catch {
            // raw() throws an exception if the statement does not return data
            returnsData = false;
        }
        if (returnsData) {
            const columns = Array.from(sqlStmt.columns().map((col) => col.name));
            const columnTypes = Array.from(sqlStmt.columns().map((col) => col.type ?? ""));`;
const PREPARE_PATCHED = `        ${MARK}
        const { sqlStmt, returnsData, columns, columnTypes } = edgemailPrepared(db, sql);
        if (returnsData) {`;
const CACHE = `
${MARK}
const edgemailStatements = new WeakMap();
const EDGEMAIL_STATEMENTS_MAX = 500;
function edgemailPrepared(db, sql) {
    let cache = edgemailStatements.get(db);
    if (!cache) {
        cache = new Map();
        edgemailStatements.set(db, cache);
    }
    const hit = cache.get(sql);
    if (hit) {
        cache.delete(sql);
        cache.set(sql, hit);
        return { ...hit, columns: hit.columns.slice(), columnTypes: hit.columnTypes.slice() };
    }
    const sqlStmt = db.prepare(sql);
    sqlStmt.safeIntegers(true);
    let returnsData = true;
    try {
        sqlStmt.raw(true);
    }
    catch {
        // raw() throws an exception if the statement does not return data
        returnsData = false;
    }
    const columns = returnsData ? Array.from(sqlStmt.columns().map((col) => col.name)) : [];
    const columnTypes = returnsData ? Array.from(sqlStmt.columns().map((col) => col.type ?? "")) : [];
    if (/^\\s*(create|alter|drop)\\b/i.test(sql)) {
        cache.clear();
    }
    else {
        if (cache.size >= EDGEMAIL_STATEMENTS_MAX) cache.delete(cache.keys().next().value);
        cache.set(sql, { sqlStmt, returnsData, columns, columnTypes });
    }
    return { sqlStmt, returnsData, columns: columns.slice(), columnTypes: columnTypes.slice() };
}
`;
const libsqlClient = {
  name: "@libsql/client",
  files: ["@libsql/client/lib-cjs/sqlite3.js", "@libsql/client/lib-esm/sqlite3.js"],
  edits: [
    { original: PREPARE_ORIGINAL, patched: PREPARE_PATCHED },
    { original: "function executeStmt(db, stmt, intMode) {", patched: `${CACHE}function executeStmt(db, stmt, intMode) {` },
  ],
};

const JOIN_CHUNKS = `
${MARK}
function edgemailJoinChunks(chunks) {
    const encoder = new TextEncoder();
    const parts = chunks.map((c) => typeof c === "string" ? encoder.encode(c) : c instanceof ArrayBuffer ? new Uint8Array(c) : ArrayBuffer.isView(c) ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : encoder.encode(String(c)));
    let size = 0;
    for (const part of parts) size += part.length;
    const joined = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
        joined.set(part, at);
        at += part.length;
    }
    return joined.buffer;
}
`;
const postalMime = {
  name: "postal-mime",
  files: ["esm", "cjs"].flatMap((build) => ["pass-through-decoder", "qp-decoder", "base64-decoder"].map((decoder) => `postal-mime/dist/${build}/${decoder}.js`)),
  edits: [
    {
      original: /return (?:\(0, decode_strings_js_1\.blobToArrayBuffer\)|blobToArrayBuffer)\(new Blob\(this\.chunks, \{ type: 'application\/octet-stream' \}\)\);/,
      patched: `return Promise.resolve(edgemailJoinChunks(this.chunks)); ${MARK}`,
    },
    { original: /\n\/\/# sourceMappingURL=[\w-]+\.js\.map/, patched: JOIN_CHUNKS },
  ],
};

for (const pkg of [smtpServer, libsqlClient, postalMime]) {
  for (const relative of pkg.files) {
    const file = path.join(modules, relative);
    if (!existsSync(file)) {
      console.error(`patch-dependencies: ${file} is missing; is ${pkg.name} installed?`);
      process.exit(1);
    }
    const before = readFileSync(file, "utf8");
    let text = before;
    for (const { original, patched, previous = [] } of pkg.edits) {
      if (text.includes(patched)) continue;
      // A pattern, where the code differs between a package's builds (CommonJS calls imports through an object).
      const found = original instanceof RegExp ? original.exec(text)?.[0] : [original, ...previous].find((code) => text.includes(code));
      if (found === undefined) {
        console.error(`patch-dependencies: the code to change is not in ${file} (a new ${pkg.name} version?); update scripts/patch-dependencies.mjs`);
        process.exit(1);
      }
      text = text.replace(found, patched);
    }
    if (text !== before) writeFileSync(file, text);
  }
}
