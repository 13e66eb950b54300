// The blobs a moving mailbox names, copied into the target region's bucket as the rows are imported.
// A raw message is a range of a pack the pipeline wrote for a whole batch (other users' mail beside
// it), so the user's ranges are read and written into packs of their own in the target, and the rows
// are rewritten to point there; attachments keep their content address (the same bytes, the same key)
// and are written only when the target does not have them yet.
import { uuidv7 } from "../../../../shared/ids.ts";
import type { BlobStore } from "../blobs.ts";
import type { MoveRecord } from "./export.ts";

export function blobCopier(from: BlobStore, to: BlobStore): (record: MoveRecord) => Promise<MoveRecord> {
  return async (record) => {
    if (record.table === "attachments") {
      for (const key of new Set(record.rows.map((r) => String(r.blob_key)))) {
        if (await to.has(key)) continue;
        const bytes = await from.get(key);
        if (!bytes) throw new Error(`attachment blob ${key} is missing from the source bucket`);
        await to.put(key, bytes);
      }
      return record;
    }
    if (record.table !== "messages") return record;
    const packKey = `raw/${new Date().toISOString().slice(0, 10)}/${uuidv7()}.pack`;
    const parts: Uint8Array[] = [];
    let offset = 0;
    const rows = [];
    for (const r of record.rows) {
      const length = Number(r.raw_length);
      const bytes = await from.get(String(r.raw_key), { offset: Number(r.raw_offset), length });
      if (!bytes || bytes.length !== length) throw new Error(`message ${String(r.message_id)}: its raw bytes are missing from the source bucket (${String(r.raw_key)})`);
      parts.push(bytes);
      rows.push({ ...r, raw_key: packKey, raw_offset: offset, raw_length: length });
      offset += length;
    }
    if (parts.length > 0) await to.put(packKey, Buffer.concat(parts), "application/octet-stream");
    return { table: record.table, rows };
  };
}
