// The spool's on-disk record. Each record is self-checking, so recovery can tell a complete record
// from the torn tail a crash leaves behind:
//   magic u32 "EMS1" | type u8 | payload length u32 | crc32(type, payload) u32 | payload
// A message payload is: id (36 ASCII) | receivedAt f64 | meta length u32 | meta JSON | raw bytes.
// A done payload is the id alone.
import { crc32 } from "node:zlib";

const MAGIC = 0x454d5331;
const HEADER_BYTES = 13;
const ID_BYTES = 36;

export const recordTypes = { message: 1, done: 2 } as const;

export interface MessageRecord<M> {
  type: "message";
  id: string;
  receivedAt: number;
  meta: M;
  raw: Buffer;
}

export interface DoneRecord {
  type: "done";
  id: string;
}

function frame(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt8(type, 4);
  header.writeUInt32BE(payload.length, 5);
  header.writeUInt32BE(crc32(payload, crc32(Buffer.of(type))), 9);
  return Buffer.concat([header, payload]);
}

/** A message record as the pieces the spool writes with one writev: everything before the raw bytes,
 * then the raw bytes themselves, not copied (each copy of a message is memory the core holds until
 * V8 collects it: README "Memory of a core"). */
export function encodeMessage<M>(id: string, receivedAt: number, meta: M, raw: Uint8Array): [Buffer, Uint8Array] {
  if (id.length !== ID_BYTES) throw new RangeError("spool ids are 36-character UUIDs");
  const metaJson = JSON.stringify(meta);
  const metaLength = Buffer.byteLength(metaJson, "utf8");
  const head = Buffer.allocUnsafe(HEADER_BYTES + ID_BYTES + 12 + metaLength);
  head.writeUInt32BE(MAGIC, 0);
  head.writeUInt8(recordTypes.message, 4);
  head.writeUInt32BE(ID_BYTES + 12 + metaLength + raw.length, 5);
  head.write(id, HEADER_BYTES, "ascii");
  head.writeDoubleBE(receivedAt, HEADER_BYTES + ID_BYTES);
  head.writeUInt32BE(metaLength, HEADER_BYTES + ID_BYTES + 8);
  head.write(metaJson, HEADER_BYTES + ID_BYTES + 12, "utf8");
  const payloadStart = head.subarray(HEADER_BYTES);
  head.writeUInt32BE(crc32(raw, crc32(payloadStart, crc32(Buffer.of(recordTypes.message)))), 9);
  return [head, raw];
}

export function encodeDone(id: string): Buffer {
  return frame(recordTypes.done, Buffer.from(id, "ascii"));
}

export type DecodeResult<M> =
  | { kind: "record"; record: MessageRecord<M> | DoneRecord; next: number }
  | { kind: "end" }
  /** Bytes that do not form a whole, valid record: a torn write at the tail, or damage. */
  | { kind: "invalid"; reason: string };

export function decodeAt<M>(buf: Buffer, offset: number): DecodeResult<M> {
  if (offset === buf.length) return { kind: "end" };
  if (buf.length - offset < HEADER_BYTES) return { kind: "invalid", reason: "truncated header" };
  if (buf.readUInt32BE(offset) !== MAGIC) return { kind: "invalid", reason: "bad magic" };
  const type = buf.readUInt8(offset + 4);
  const length = buf.readUInt32BE(offset + 5);
  const crc = buf.readUInt32BE(offset + 9);
  const start = offset + HEADER_BYTES;
  if (buf.length - start < length) return { kind: "invalid", reason: "truncated payload" };
  const payload = buf.subarray(start, start + length);
  if (crc32(payload, crc32(Buffer.of(type))) !== crc) return { kind: "invalid", reason: "checksum mismatch" };
  const next = start + length;
  const id = payload.toString("ascii", 0, ID_BYTES);
  if (type === recordTypes.done) return { kind: "record", record: { type: "done", id }, next };
  if (type !== recordTypes.message) return { kind: "invalid", reason: `unknown record type ${type}` };
  const receivedAt = payload.readDoubleBE(ID_BYTES);
  const metaLength = payload.readUInt32BE(ID_BYTES + 8);
  const metaStart = ID_BYTES + 12;
  const meta = JSON.parse(payload.toString("utf8", metaStart, metaStart + metaLength)) as M;
  // Copy the raw bytes out, so the segment buffer can be freed once recovery is done.
  const raw = Buffer.from(payload.subarray(metaStart + metaLength));
  return { kind: "record", record: { type: "message", id, receivedAt, meta, raw }, next };
}
