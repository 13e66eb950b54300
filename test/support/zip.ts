// Zip archives built in memory for tests (PKWARE APPNOTE 6.3: local headers, central directory, end
// record), stored or deflated with node:zlib. Checked once against Info-ZIP's `unzip -t`.
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipEntry {
  name: string;
  data?: Uint8Array | string;
  deflate?: boolean;
  /** Sets the "encrypted" flag (the data is not really encrypted: listing must not need it to be). */
  encrypted?: boolean;
}

export function zipArchive(entries: ZipEntry[], options: { prepend?: Uint8Array; comment?: string } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const data = typeof entry.data === "string" ? Buffer.from(entry.data) : Buffer.from(entry.data ?? []);
    const stored = entry.deflate ? deflateRawSync(data) : data;
    const flags = (entry.encrypted ? 0x0001 : 0) | (/[^\x00-\x7f]/.test(entry.name) ? 0x0800 : 0);
    const method = entry.deflate ? 8 : 0;
    const crc = crc32(data);
    const dosTime = (10 << 11) | (30 << 5); // 10:30:00
    const dosDate = ((2026 - 1980) << 9) | (3 << 5) | 3; // 2026-03-03

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, stored);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix, spec 3.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(entry.name.endsWith("/") ? 0x41ed0010 : 0x81a40000, 38); // drwxr-xr-x / -rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? "");
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  // Bytes prepended without adjusting the offsets, as `cat stub archive.zip` does.
  return Buffer.concat([Buffer.from(options.prepend ?? []), ...locals, directory, end, comment]);
}
