// The `name:value` operators of the search language (Gmail's names) and how each reads its value.
// The grammar (query-parser.ts) finds an operator and its value; this file turns the value into a node or
// refuses it with the position of the character at fault. Dates, spans and sizes are read here, strictly:
// a query that silently meant something else would return the wrong mail without saying so.
import { Keyword } from "../../../shared/api.ts";
import { parseSize } from "../units.ts";
import { SearchSyntaxError, type SearchNode, type TextField } from "./query-ast.ts";

/** Reads one value of an operator. `at` is the index of the value's first character in the query (inside
 * the quotes for a quoted value), `now` the time of the search. */
export type OperatorValue = (value: string, phrase: boolean, at: number, now: number) => SearchNode;

const textField =
  (field: TextField): OperatorValue =>
  (value, phrase) => ({ type: "field", field, value, phrase });

/** Folder roles by the names people type (Gmail's and the IMAP special-use names); any other value is the
 * name of one of the user's folders, kept as typed. `anywhere` lifts the folder filter (Gmail: it also
 * searches trash and spam). */
const FOLDER_ROLES: ReadonlyMap<string, string> = new Map([
  ["inbox", "inbox"],
  ["sent", "sent"],
  ["draft", "drafts"],
  ["drafts", "drafts"],
  ["trash", "trash"],
  ["bin", "trash"],
  ["spam", "junk"],
  ["junk", "junk"],
  ["archive", "archive"],
  ["anywhere", "anywhere"],
]);

const inFolder: OperatorValue = (value) => ({ type: "in", folder: FOLDER_ROLES.get(value.toLowerCase()) ?? value });

const isFlag: OperatorValue = (value, _phrase, at) => {
  const flag = value.toLowerCase();
  if (flag === "unread" || flag === "read" || flag === "starred") return { type: "is", flag };
  throw new SearchSyntaxError(at, `is:${value} is not supported: is: takes unread, read or starred`);
};

const hasWhat: OperatorValue = (value, _phrase, at) => {
  if (value.toLowerCase() === "attachment") return { type: "has", what: "attachment" };
  throw new SearchSyntaxError(at, `has:${value} is not supported: has: takes attachment`);
};

/** keyword: takes what a message's keywords may hold (an IMAP atom); `$seen`/`$flagged` are is:read
 * and is:starred. */
const hasKeyword: OperatorValue = (value, _phrase, at) => {
  const keyword = Keyword.safeParse(value);
  if (!keyword.success) throw new SearchSyntaxError(at, `keyword:${value} is not a keyword: ${keyword.error.issues[0]!.message}`);
  return { type: "keyword", value: keyword.data };
};

const DATE_FORMATS = "YYYY/MM/DD, YYYY-MM-DD or MM/DD/YYYY";

/** A calendar day as UTC midnight in ms. Gmail's forms: 2004/04/16, 2004-04-16 and the US 04/16/2004;
 * one-digit months and days are accepted. A month or day out of range is refused at its own digits. */
function parseDay(value: string, at: number, name: string): number {
  const ymd = /^(\d{4})([/-])(\d{1,2})\2(\d{1,2})$/.exec(value);
  const mdy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  const parts = ymd
    ? { year: ymd[1]!, month: ymd[3]!, day: ymd[4]!, monthAt: at + 5 }
    : mdy
      ? { year: mdy[3]!, month: mdy[1]!, day: mdy[2]!, monthAt: at }
      : null;
  if (!parts) throw new SearchSyntaxError(at, `${name}:${value} is not a date: use ${DATE_FORMATS}`);
  const { year, month, day, monthAt } = parts;
  const dayAt = monthAt + month.length + 1;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12) throw new SearchSyntaxError(monthAt, `${name}:${value} has no month ${month}: months run from 1 to 12`);
  const lastDay = daysInMonth(y, m);
  if (d < 1 || d > lastDay) {
    throw new SearchSyntaxError(dayAt, `${name}:${value} has no day ${day}: that month has ${lastDay} days`);
  }
  return utcDay(y, m, d);
}

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. `month` counts from 1. */
function utcDay(year: number, month: number, day: number): number {
  return new Date(0).setUTCFullYear(year, month - 1, day);
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcDay(year, month + 1, 0)).getUTCDate();
}

const dateBound =
  (op: "before" | "after", name: string): OperatorValue =>
  (value, _phrase, at) => ({ type: "date", op, at: parseDay(value, at, name) });

/** older_than:/newer_than: a whole number (1 to 99999) of d(ays), m(onths) or y(ears), as Gmail. Months and
 * years are calendar ones counted back from `now` (1m on 31 March reaches back to the end of February),
 * so the span in ms depends on the time of the search. */
function parseSpan(value: string, at: number, name: string, now: number): number {
  const match = /^(\d{1,5})([dmy])$/i.exec(value);
  const n = match ? Number(match[1]) : 0;
  if (!match || n === 0) {
    throw new SearchSyntaxError(at, `${name}:${value} is not a span: use a whole number and d, m or y (7d, 2m, 1y)`);
  }
  const unit = match[2]!.toLowerCase();
  if (unit === "d") return n * 86_400_000;
  return now - monthsBefore(now, unit === "m" ? n : 12 * n);
}

/** The same time of day `months` calendar months before `now`, on the last day of the month when the
 * target month is shorter. */
function monthsBefore(now: number, months: number): number {
  const from = new Date(now);
  const target = new Date(now);
  target.setUTCDate(1);
  target.setUTCMonth(from.getUTCMonth() - months);
  target.setUTCDate(Math.min(from.getUTCDate(), daysInMonth(target.getUTCFullYear(), target.getUTCMonth() + 1)));
  return target.getTime();
}

const ageBound =
  (op: "older" | "newer", name: string): OperatorValue =>
  (value, _phrase, at, now) => ({ type: "age", op, ms: parseSpan(value, at, name, now) });

/** larger:/smaller:/size: bytes, or K, M, G (powers of 1024, as everywhere in this project: units.ts). */
const sizeBound =
  (op: "larger" | "smaller", name: string): OperatorValue =>
  (value, _phrase, at) => {
    const bytes = parseSize(value);
    if (bytes === null || !/^\d/.test(value)) {
      throw new SearchSyntaxError(at, `${name}:${value} is not a size: use bytes or a number with K, M or G (500K, 10M)`);
    }
    return { type: "size", op, bytes };
  };

/** Operator names are matched without regard to case (`From:` is `from:`), as Gmail does. */
export const OPERATORS: ReadonlyMap<string, OperatorValue> = new Map([
  ["from", textField("from")],
  ["to", textField("to")],
  ["cc", textField("cc")],
  ["subject", textField("subject")],
  ["filename", textField("filename")],
  ["has", hasWhat],
  ["in", inFolder],
  // Gmail's labels are this server's folders.
  ["label", inFolder],
  ["is", isFlag],
  ["keyword", hasKeyword],
  ["before", dateBound("before", "before")],
  ["after", dateBound("after", "after")],
  ["older", dateBound("before", "older")],
  ["newer", dateBound("after", "newer")],
  ["older_than", ageBound("older", "older_than")],
  ["newer_than", ageBound("newer", "newer_than")],
  ["larger", sizeBound("larger", "larger")],
  ["smaller", sizeBound("smaller", "smaller")],
  // Gmail: size:N finds messages larger than N bytes.
  ["size", sizeBound("larger", "size")],
]);

/** Gmail operators this server cannot honour. Refused by name rather than searched as text, which would
 * quietly find nothing. */
export const UNSUPPORTED_OPERATORS: ReadonlySet<string> = new Set(["bcc", "category", "list", "deliveredto", "rfc822msgid"]);
