// IMAP flags as RFC 5232 (imap4flags) handles them: a string may hold several flags separated by spaces,
// names compare case-insensitively, a name that is not a valid IMAP flag is ignored (§3), and system
// flags are written in their usual case so the store sees one spelling.
const SYSTEM_FLAGS = new Map(["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"].map((f) => [f.toLowerCase(), f]));
// RFC 3501 atom: printable ASCII except ( ) { space % * " \ ] and controls.
const KEYWORD = /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;

export function normalizeFlag(name: string): string | null {
  if (name.startsWith("\\")) return SYSTEM_FLAGS.get(name.toLowerCase()) ?? null;
  return KEYWORD.test(name) ? name : null;
}

/** An ordered set of flags, keyed case-insensitively; the first spelling seen is kept. */
export class FlagSet {
  private readonly flags = new Map<string, string>();

  constructor(strings: Iterable<string> = []) {
    this.add(strings);
  }

  add(strings: Iterable<string>): void {
    for (const s of strings) {
      for (const word of s.split(" ")) {
        const flag = normalizeFlag(word);
        if (flag && !this.flags.has(flag.toLowerCase())) this.flags.set(flag.toLowerCase(), flag);
      }
    }
  }

  clear(): void {
    this.flags.clear();
  }

  remove(strings: Iterable<string>): void {
    for (const s of strings) for (const word of s.split(" ")) this.flags.delete(word.toLowerCase());
  }

  list(): string[] {
    return [...this.flags.values()];
  }
}

/** The individual flag names in a list of strings, split at spaces (for hasflag keys). */
export function splitFlags(strings: string[]): string[] {
  return strings.flatMap((s) => s.split(" ")).filter((word) => word !== "");
}
