// postinstall: gives smtp-server an option for its early-talker pause. smtp-server (3.21.6) waits a
// hard-coded 100 ms before every greeting, to catch clients that talk before it (spam bots do): one
// message per connection, as most MTAs send, then tops out near 150 messages a second for 20 sessions.
// Postfix greets at once and makes the same check opt-in (postscreen's greet pause). This adds the
// option `earlyTalkerDelay` (ms; 100 when absent, as upstream behaves; 0 greets at once), which the MX
// sets from SMTP_GREETING_PAUSE_MS. The change is the one line that upstream would take as an option,
// applied to both builds of the package (CommonJS and ES modules); it refuses to guess when the line
// is not found (another version), so an upgrade cannot silently lose it. Plain JavaScript for any Node
// that runs `npm install` (a production `npm ci --omit=dev` has no Node 24 yet when this runs).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "node_modules", "smtp-server", "dist");
const ORIGINAL = "let readyTimer = setTimeout(() => this.connectionReady(), 100);";
const PATCHED =
  "let readyTimer = setTimeout(() => this.connectionReady(), this._server.options.earlyTalkerDelay ?? 100); /* edgemail: scripts/patch-smtp-server.mjs */";

for (const build of ["cjs", "esm"]) {
  const file = path.join(root, build, "smtp-connection.js");
  if (!existsSync(file)) {
    console.error(`patch-smtp-server: ${file} is missing; is smtp-server installed?`);
    process.exit(1);
  }
  const text = readFileSync(file, "utf8");
  if (text.includes(PATCHED)) continue;
  if (!text.includes(ORIGINAL)) {
    console.error(`patch-smtp-server: the greeting pause line is not in ${file} (a new smtp-server version?); update scripts/patch-smtp-server.mjs`);
    process.exit(1);
  }
  writeFileSync(file, text.replace(ORIGINAL, PATCHED));
}
