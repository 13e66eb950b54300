// The raw bytes of a filed message as the core stored them (a range of a packed object in R2).
import { openBlobStore } from "../../core/src/store/open-blobs.ts";
import type { TempCore } from "./temp-core.ts";

export async function storedRaw(core: TempCore, shard: string, messageId: string): Promise<string> {
  const row = await core.shards.get(shard).client.execute({ sql: "select raw_key, raw_offset, raw_length from messages where message_id = ?", args: [messageId] });
  const { raw_key, raw_offset, raw_length } = row.rows[0] as unknown as { raw_key: string; raw_offset: number; raw_length: number };
  const blobs = openBlobStore(core.config.blobs);
  try {
    return Buffer.from((await blobs.get(raw_key, { offset: raw_offset, length: raw_length }))!).toString("utf8");
  } finally {
    await blobs.close();
  }
}
