// A message's header fields as filters read them: unfolded, RFC 2047-decoded, by lowercase name in
// the order they appear. Parsed once per message from the raw header section.
import libmime from "libmime";
import { splitMessage } from "../mail-format/raw-message.ts";

export type HeaderLookup = (name: string) => string[];

/** Parsed on the first lookup: most deliveries run no filter and never ask. */
export function headerLookup(raw: Buffer): HeaderLookup {
  let fields: Map<string, string[]> | null = null;
  return (name) => (fields ??= parseFields(raw)).get(name.toLowerCase()) ?? [];
}

function parseFields(raw: Buffer): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const field of splitMessage(raw).head.split(/\r\n(?![ \t])/)) {
    const colon = field.indexOf(":");
    if (colon <= 0) continue;
    const name = field.slice(0, colon).trim().toLowerCase();
    const unfolded = field.slice(colon + 1).replace(/\r\n(?=[ \t])/g, "").trim();
    let value = unfolded;
    try {
      value = libmime.decodeWords(unfolded);
    } catch {
      // an encoded-word in a charset nobody knows: keep it as it came
    }
    const list = fields.get(name) ?? [];
    list.push(value);
    fields.set(name, list);
  }
  return fields;
}
