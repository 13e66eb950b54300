// How dates, sizes and people are written in the list and the reader.
import type { MailAddress } from "../../../shared/api.ts";

const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayMonth = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
const numeric = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "2-digit", day: "2-digit" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** As Gmail: minutes ago within the hour, the time today, the day this year, else the date. */
export function shortDate(iso: string, now = Date.now()): string {
  const d = new Date(iso);
  const ago = now - d.getTime();
  if (ago >= 0 && ago < 60_000) return "now";
  if (ago >= 0 && ago < 3_600_000) return relative.format(-Math.round(ago / 60_000), "minute");
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return time.format(d);
  if (d.getFullYear() === today.getFullYear()) return dayMonth.format(d);
  return numeric.format(d);
}

export const fullDate = (iso: string) => full.format(new Date(iso));

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export const person = (a: MailAddress | null | undefined) => (a ? a.name || a.address : "(no sender)");
export const people = (list: MailAddress[]) => list.map((a) => a.name || a.address).join(", ");
export const addressLine = (a: MailAddress) => (a.name ? `${a.name} <${a.address}>` : a.address);

/** Keywords worth showing as labels: the user's own, not IMAP system flags ($Junk, \Seen …). */
export const labels = (keywords: string[]) => keywords.filter((k) => !k.startsWith("$") && !k.startsWith("\\"));
