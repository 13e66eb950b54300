// A checked Sieve script: every name known, every extension required, every argument in place.
// The interpreter runs this shape and never sees raw syntax.

/** The extensions a script may `require` here. */
export const supportedExtensions = [
  "fileinto",
  "imap4flags",
  "copy",
  "envelope",
  "body",
  "vacation",
  "vacation-seconds",
  "mailbox",
  "comparator-i;octet",
  "comparator-i;ascii-casemap",
] as const;
export type Extension = (typeof supportedExtensions)[number];

export type Comparator = "i;ascii-casemap" | "i;octet";
export type MatchType = "is" | "contains" | "matches";
export type AddressPart = "all" | "localpart" | "domain";

export interface Matcher {
  comparator: Comparator;
  match: MatchType;
  keys: string[];
}

export type BodyTransform = { type: "text" } | { type: "raw" } | { type: "content"; contentTypes: string[] };

export type Test =
  | { type: "address"; part: AddressPart; headers: string[]; matcher: Matcher }
  | { type: "envelope"; part: AddressPart; fields: ("from" | "to")[]; matcher: Matcher }
  | { type: "header"; headers: string[]; matcher: Matcher }
  | { type: "exists"; headers: string[] }
  | { type: "size"; over: boolean; limit: number }
  | { type: "allof" | "anyof"; tests: Test[] }
  | { type: "not"; test: Test }
  | { type: "true" | "false" }
  | { type: "body"; transform: BodyTransform; matcher: Matcher }
  | { type: "hasflag"; matcher: Matcher };

/** RFC 5230 vacation as written; defaults and limits are applied when deciding to answer (vacation.ts). */
export interface VacationCommand {
  type: "vacation";
  reason: string;
  subject: string | null;
  from: string | null;
  addresses: string[];
  handle: string | null;
  /** `:days` or `:seconds` (RFC 6131) as written, in seconds; null when neither was given. */
  periodSeconds: number | null;
}

export type Command =
  | { type: "if"; branches: { test: Test; block: Command[] }[]; otherwise: Command[] | null }
  | { type: "stop" }
  | { type: "keep"; flags: string[] | null }
  | { type: "discard" }
  | { type: "redirect"; address: string; copy: boolean }
  | { type: "fileinto"; folder: string; copy: boolean; flags: string[] | null }
  | { type: "setflag" | "addflag" | "removeflag"; flags: string[] }
  | VacationCommand;

export interface SieveScript {
  extensions: Extension[];
  commands: Command[];
}
