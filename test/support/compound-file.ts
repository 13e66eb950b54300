// OLE2 compound files ([MS-CFB], version 3, 512-byte sectors) built in memory for tests: the container
// of legacy Office documents and of the vbaProject.bin inside macro-enabled OOXML. Streams are padded
// to 4096 bytes so they live in regular sectors (no mini stream to write); the directory is a proper
// binary search tree (all black, which readers accept).
const SECTOR = 512;
const FREE = 0xffffffff;
const END_OF_CHAIN = 0xfffffffe;
const FAT_SECTOR = 0xfffffffd;
const NO_STREAM = 0xffffffff;

interface Node {
  name: string;
  type: 1 | 2 | 5;
  data: Buffer;
  children: Node[];
  id: number;
  start: number;
}

/** `paths` like "Macros/VBA/_VBA_PROJECT" (a stream; storages on the way are made). */
export function compoundFile(streams: { path: string; data?: Uint8Array | string }[]): Buffer {
  const root: Node = { name: "Root Entry", type: 5, data: Buffer.alloc(0), children: [], id: 0, start: END_OF_CHAIN };
  for (const stream of streams) {
    const parts = stream.path.split("/");
    let parent = root;
    parts.forEach((part, i) => {
      const isStream = i === parts.length - 1;
      let node = parent.children.find((c) => c.name === part);
      if (!node) {
        const raw = typeof stream.data === "string" ? Buffer.from(stream.data) : Buffer.from(stream.data ?? "x");
        const data = isStream ? Buffer.concat([raw, Buffer.alloc(Math.max(0, 4096 - raw.length))]) : Buffer.alloc(0);
        node = { name: part, type: isStream ? 2 : 1, data, children: [], id: 0, start: END_OF_CHAIN };
        parent.children.push(node);
      }
      parent = node;
    });
  }
  const nodes: Node[] = [];
  const number = (node: Node) => {
    node.id = nodes.length;
    nodes.push(node);
    node.children.forEach(number);
  };
  number(root);

  // Layout: sector 0 the FAT, then the directory, then each stream's sectors.
  const directorySectors = Math.ceil(nodes.length / 4);
  const fat: number[] = [FAT_SECTOR];
  const chain = (count: number) => {
    const first = fat.length;
    for (let i = 0; i < count; i++) fat.push(i === count - 1 ? END_OF_CHAIN : fat.length + 1);
    return first;
  };
  const directoryStart = chain(directorySectors);
  for (const node of nodes) if (node.type === 2) node.start = chain(Math.ceil(node.data.length / SECTOR));
  if (fat.length > SECTOR / 4) throw new Error("compoundFile: too big for one FAT sector");
  while (fat.length < SECTOR / 4) fat.push(FREE);

  const header = Buffer.alloc(SECTOR);
  Buffer.from("d0cf11e0a1b11ae1", "hex").copy(header, 0);
  header.writeUInt16LE(0x3e, 0x18);
  header.writeUInt16LE(3, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(1, 0x2c); // one FAT sector
  header.writeUInt32LE(directoryStart, 0x30);
  header.writeUInt32LE(4096, 0x38);
  header.writeUInt32LE(END_OF_CHAIN, 0x3c); // no mini FAT
  header.writeUInt32LE(END_OF_CHAIN, 0x44); // no DIFAT sectors
  for (let i = 0; i < 109; i++) header.writeUInt32LE(i === 0 ? 0 : FREE, 0x4c + i * 4);

  const fatSector = Buffer.alloc(SECTOR);
  fat.forEach((value, i) => fatSector.writeUInt32LE(value, i * 4));

  const directory = Buffer.alloc(directorySectors * SECTOR);
  for (const node of nodes) {
    const at = node.id * 128;
    const name = Buffer.from(`${node.name}\0`, "utf16le");
    name.copy(directory, at);
    directory.writeUInt16LE(name.length, at + 0x40);
    directory[at + 0x42] = node.type;
    directory[at + 0x43] = 1; // black
    directory.writeUInt32LE(NO_STREAM, at + 0x44);
    directory.writeUInt32LE(NO_STREAM, at + 0x48);
    directory.writeUInt32LE(NO_STREAM, at + 0x4c);
    directory.writeUInt32LE(node.start, at + 0x74);
    directory.writeUInt32LE(node.data.length, at + 0x78);
  }
  for (const node of nodes) {
    // Siblings ordered as [MS-CFB] compares names (length first, then upper case), each the right
    // child of the one before: a valid, if lopsided, search tree.
    const siblings = [...node.children].sort((a, b) => a.name.length - b.name.length || (a.name.toUpperCase() < b.name.toUpperCase() ? -1 : 1));
    if (siblings.length) directory.writeUInt32LE(siblings[0]!.id, node.id * 128 + 0x4c);
    siblings.forEach((sibling, i) => {
      const next = siblings[i + 1];
      if (next) directory.writeUInt32LE(next.id, sibling.id * 128 + 0x48);
    });
  }
  for (let id = nodes.length; id < directorySectors * 4; id++) {
    const at = id * 128;
    directory.writeUInt32LE(NO_STREAM, at + 0x44);
    directory.writeUInt32LE(NO_STREAM, at + 0x48);
    directory.writeUInt32LE(NO_STREAM, at + 0x4c);
  }
  const sectorPadded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((SECTOR - (data.length % SECTOR)) % SECTOR)]);
  return Buffer.concat([header, fatSector, directory, ...nodes.filter((n) => n.type === 2).map((n) => sectorPadded(n.data))]);
}
