// How old a raw blob is, read from its key: the pipeline's packs (`raw/<day>/<uuidv7>.pack`), a move's
// packs and DSNs carry a UUIDv7, a draft's raw message the millisecond it was saved. The sweep needs the
// age because rows may be committed after (or while) their pack is put: a young pack's live ranges may
// not all be visible yet.
import { uuidv7Time } from "../../../../shared/ids.ts";

const UUIDV7 = /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** When the blob of `key` was written (ms since the epoch), or null when its key does not say. */
export function rawKeyTime(key: string): number | null {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const uuid = UUIDV7.exec(name);
  if (uuid) return uuidv7Time(uuid[0]);
  const ms = /^(\d{13})\.eml$/.exec(name);
  return ms ? Number(ms[1]) : null;
}
