// Mail a region's cores have acknowledged (250) but not filed yet, read from their spools on disk
// (spool/record.ts), for the CLI beside them: a move waits until none of it is for the user it moves,
// so nothing accepted for the old copy is filed there after the copy was made.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";
import type { SpoolMeta } from "../spool/entry.ts";
import { decodeAt } from "../spool/record.ts";

/** The spools of a region's cores: the first core's SPOOL_DIR, and each further core's (start-local.ts). */
export function regionSpoolDirs(config: Config): string[] {
  const cores = path.join(config.dataDir, "cores");
  const more = existsSync(cores) ? readdirSync(cores).map((c) => path.join(cores, c, "spool")) : [];
  return [config.spoolDir, ...more].filter((d) => existsSync(d));
}

function mentions(meta: SpoolMeta, userId: string): boolean {
  if (meta.kind === "outbound") return meta.userId === userId;
  return meta.recipients.some((r) => "userId" in r && r.userId === userId);
}

/** How many spooled messages for `userId` are not filed yet. */
export function pendingFor(spoolDirs: string[], userId: string): number {
  let pending = 0;
  for (const dir of spoolDirs) {
    const mine = new Set<string>();
    const done = new Set<string>();
    for (const name of readdirSync(dir).filter((n) => n.startsWith("seg-")).sort()) {
      let buf: Buffer;
      try {
        buf = readFileSync(path.join(dir, name));
      } catch {
        continue; // deleted meanwhile: all of it was filed
      }
      // A segment being written ends in a torn record: what precedes it is whole.
      for (let at = 0; ; ) {
        const r = decodeAt<SpoolMeta>(buf, at);
        if (r.kind !== "record") break;
        if (r.record.type === "done") done.add(r.record.id);
        else if (mentions(r.record.meta, userId)) mine.add(r.record.id);
        at = r.next;
      }
    }
    for (const id of mine) if (!done.has(id)) pending++;
  }
  return pending;
}
