// The file names a zip archive holds, read from its directories without extracting anything.
//
// Two places name the files of a zip: the central directory at the end (what most tools list) and a
// local header before each file's data (what some unzip tools and many malware scanners go by). An
// archive can be crafted so the two disagree, so both are read. A stored (uncompressed) zip inside a
// zip shows its local headers too, so its names come out as well.
//
// Written by hand (about 80 lines): the npm zip readers extract, which is more code and more attack
// surface than listing names needs.

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;
const UTF8_NAMES = 0x0800;
// Far more than any mail attachment holds; bounds the work on a crafted archive.
const MAX_ENTRIES = 100_000;

export interface ZipListing {
  /** Every name found, directories (ending in "/") included, each once. */
  names: string[];
  /** Some entry is encrypted (its names are still readable; its content is not). */
  encrypted: boolean;
}

/** Null when `bytes` is not a zip archive. */
export function zipListing(bytes: Uint8Array): ZipListing | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => (at >= 0 && at + 2 <= bytes.length ? view.getUint16(at, true) : -1);
  const u32 = (at: number) => (at >= 0 && at + 4 <= bytes.length ? view.getUint32(at, true) : -1);
  const u64 = (at: number) => (at >= 0 && at + 8 <= bytes.length ? Number(view.getBigUint64(at, true)) : -1);
  const names = new Set<string>();
  let encrypted = false;
  const nameAt = (at: number, length: number, flags: number) => {
    const raw = bytes.subarray(at, at + length);
    // Without the UTF-8 flag a name is in code page 437; its ASCII (all an extension needs) is the same.
    return new TextDecoder(flags & UTF8_NAMES ? "utf-8" : "latin1").decode(raw);
  };

  const end = findEndOfCentralDirectory(bytes, u32);
  if (end < 0 && u32(0) !== LOCAL_HEADER) return null;
  if (end >= 0) {
    let count = u16(end + 10);
    let size = u32(end + 12);
    let offset = u32(end + 16);
    if ((count === 0xffff || size === 0xffffffff || offset === 0xffffffff) && u32(end - 20) === ZIP64_LOCATOR) {
      const zip64End = u64(end - 20 + 8);
      if (u32(zip64End) === ZIP64_END && u64(zip64End + 48) >= 0) {
        count = u64(zip64End + 32);
        size = u64(zip64End + 40);
        offset = u64(zip64End + 48);
      }
    }
    // An archive with bytes prepended (a self-extractor stub, or `cat stub zip`) has offsets that are
    // off by the stub's length; the directory then sits just before its end record.
    let at = u32(offset) === CENTRAL_HEADER ? offset : end - size;
    for (let i = 0; i < Math.min(count, MAX_ENTRIES) && u32(at) === CENTRAL_HEADER; i++) {
      const flags = u16(at + 8);
      const nameLength = u16(at + 28);
      if (at + 46 + nameLength > bytes.length) break;
      if (flags & 1) encrypted = true;
      names.add(nameAt(at + 46, nameLength, flags));
      at += 46 + nameLength + u16(at + 30) + u16(at + 32);
    }
  }

  let seen = 0;
  for (let at = bytes.indexOf(0x50); at >= 0 && at + 30 <= bytes.length && seen < MAX_ENTRIES; at = bytes.indexOf(0x50, at + 1)) {
    if (u32(at) !== LOCAL_HEADER) continue;
    const flags = u16(at + 6);
    const nameLength = u16(at + 26);
    if (nameLength === 0 || nameLength > 1024 || at + 30 + nameLength > bytes.length) continue;
    seen++;
    if (flags & 1) encrypted = true;
    names.add(nameAt(at + 30, nameLength, flags));
  }

  return { names: [...names], encrypted };
}

function findEndOfCentralDirectory(bytes: Uint8Array, u32: (at: number) => number): number {
  // The end record is 22 bytes plus a comment of at most 65535; search back from the end for it.
  const last = bytes.length - 22;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (bytes[at] === 0x50 && u32(at) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  return -1;
}
