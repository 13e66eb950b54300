// The names of the storages and streams in an OLE2 compound file ([MS-CFB]): legacy Office documents
// (.doc, .xls, .ppt), .msi installers, and the vbaProject.bin inside a macro-enabled OOXML file. Their
// names alone tell whether a document carries VBA macros, so nothing is decompressed.
//
// Written by hand (about 60 lines): the directory is a chain of 128-byte entries found through the
// file allocation table; the npm CFB readers (e.g. SheetJS's cfb) read whole files and more.

const MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
// Sector numbers above this are markers: end of chain, free, FAT or DIFAT sector.
const MAX_REGULAR_SECTOR = 0xfffffffa;
const END_OF_CHAIN = 0xfffffffe;
const HEADER_DIFAT_ENTRIES = 109;
const ENTRY_BYTES = 128;
// Bounds the work on a crafted file whose chains loop or run long.
const MAX_SECTORS = 1 << 20;

/** Null when `bytes` is not a compound file (or its directory cannot be found). */
export function ole2EntryNames(bytes: Uint8Array): string[] | null {
  if (bytes.length < 512 || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at, true) : END_OF_CHAIN);
  const shift = u16(0x1e);
  if (shift !== 9 && shift !== 12) return null;
  const sectorSize = 1 << shift;
  // Sector n starts after the header, which takes one sector's room (512 bytes padded to 4096 in v4).
  const sectorStart = (sector: number) => (sector + 1) * sectorSize;

  // The FAT's own sectors: 109 listed in the header, the rest in a chain of DIFAT sectors.
  const fatSectors: number[] = [];
  for (let i = 0; i < HEADER_DIFAT_ENTRIES; i++) fatSectors.push(u32(0x4c + i * 4));
  const perSector = sectorSize / 4;
  for (let sector = u32(0x44), hops = 0; sector <= MAX_REGULAR_SECTOR && hops < MAX_SECTORS; hops++) {
    for (let i = 0; i < perSector - 1; i++) fatSectors.push(u32(sectorStart(sector) + i * 4));
    sector = u32(sectorStart(sector) + (perSector - 1) * 4);
  }
  const next = (sector: number) => {
    const fatSector = fatSectors[Math.floor(sector / perSector)];
    if (fatSector === undefined || fatSector > MAX_REGULAR_SECTOR) return END_OF_CHAIN;
    return u32(sectorStart(fatSector) + (sector % perSector) * 4);
  };

  const names: string[] = [];
  const visited = new Set<number>();
  for (let sector = u32(0x30); sector <= MAX_REGULAR_SECTOR && !visited.has(sector) && visited.size < MAX_SECTORS; sector = next(sector)) {
    visited.add(sector);
    const start = sectorStart(sector);
    if (start + sectorSize > bytes.length) break;
    for (let at = start; at < start + sectorSize; at += ENTRY_BYTES) {
      const type = bytes[at + 0x42];
      const nameBytes = u16(at + 0x40);
      // Types: 1 storage, 2 stream, 5 root; the length counts the UTF-16 terminator.
      if ((type !== 1 && type !== 2 && type !== 5) || nameBytes < 2 || nameBytes > 64) continue;
      names.push(new TextDecoder("utf-16le").decode(bytes.subarray(at, at + nameBytes - 2)));
    }
  }
  return visited.size > 0 ? names : null;
}
