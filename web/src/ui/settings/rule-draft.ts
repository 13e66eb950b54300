// A filter rule as the editor holds it: every field as the person typed it (sizes with their unit,
// labels as one line), so nothing typed is lost or reformatted while editing; turned into the API's
// FilterRule only when saving. Empty fields are left out, as the schema wants absent, not blank.
import type { FilterActions, FilterConditions, FilterRule } from "../../../../shared/filters.ts";

export type SizeUnit = "B" | "KB" | "MB";

export interface RuleDraft {
  /** Stable key for the list while rules move; not sent. */
  key: number;
  name: string;
  enabled: boolean;
  match: "all" | "any";
  from: string;
  to: string;
  subject: string;
  words: string;
  listId: string;
  hasAttachment: "" | "yes" | "no";
  sizeOver: string;
  sizeOverUnit: SizeUnit;
  sizeUnder: string;
  sizeUnderUnit: SizeUnit;
  moveTo: string;
  label: string;
  markRead: boolean;
  star: boolean;
  neverSpam: boolean;
  forwardTo: string;
  discard: boolean;
}

let nextKey = 1;

const UNIT = { B: 1, KB: 1024, MB: 1024 * 1024 } as const;

function sizeToDraft(bytes: number | undefined): [string, SizeUnit] {
  if (bytes === undefined) return ["", "MB"];
  // The largest unit that says it exactly, so that saving again does not change the rule.
  if (bytes > 0 && bytes % UNIT.MB === 0) return [String(bytes / UNIT.MB), "MB"];
  if (bytes > 0 && bytes % UNIT.KB === 0) return [String(bytes / UNIT.KB), "KB"];
  return [String(bytes), "B"];
}

export function emptyDraft(): RuleDraft {
  return toDraft({ enabled: true, match: "all", conditions: {}, actions: {} } as FilterRule);
}

export function toDraft(rule: FilterRule): RuleDraft {
  const c = rule.conditions;
  const a = rule.actions;
  const [sizeOver, sizeOverUnit] = sizeToDraft(c.sizeOver);
  const [sizeUnder, sizeUnderUnit] = sizeToDraft(c.sizeUnder);
  return {
    key: nextKey++,
    name: rule.name ?? "",
    enabled: rule.enabled !== false,
    match: rule.match ?? "all",
    from: c.from ?? "",
    to: c.to ?? "",
    subject: c.subject ?? "",
    words: c.words ?? "",
    listId: c.listId ?? "",
    hasAttachment: c.hasAttachment === undefined ? "" : c.hasAttachment ? "yes" : "no",
    sizeOver,
    sizeOverUnit,
    sizeUnder,
    sizeUnderUnit,
    moveTo: a.moveTo ?? "",
    label: (a.label ?? []).join(", "),
    markRead: !!a.markRead,
    star: !!a.star,
    neverSpam: !!a.neverSpam,
    forwardTo: a.forwardTo ?? "",
    discard: !!a.discard,
  };
}

/** Bytes, or NaN for something that is not a size (the server names the field then). */
function sizeFromDraft(text: string, unit: SizeUnit): number | undefined {
  const t = text.trim().replace(",", ".");
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? Math.round(n * UNIT[unit]) : Number.NaN;
}

export function fromDraft(d: RuleDraft): FilterRule {
  const text = (v: string) => (v.trim() === "" ? undefined : v);
  const conditions: FilterConditions = {
    from: text(d.from),
    to: text(d.to),
    subject: text(d.subject),
    words: text(d.words),
    listId: text(d.listId),
    hasAttachment: d.hasAttachment === "" ? undefined : d.hasAttachment === "yes",
    sizeOver: sizeFromDraft(d.sizeOver, d.sizeOverUnit),
    sizeUnder: sizeFromDraft(d.sizeUnder, d.sizeUnderUnit),
  };
  const labels = d.label.split(/[\s,]+/).filter((l) => l !== "");
  const actions: FilterActions = {
    moveTo: text(d.moveTo)?.trim(),
    label: labels.length ? labels : undefined,
    markRead: d.markRead || undefined,
    star: d.star || undefined,
    neverSpam: d.neverSpam || undefined,
    forwardTo: text(d.forwardTo)?.trim(),
    discard: d.discard || undefined,
  };
  const drop = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return { name: text(d.name)?.trim(), enabled: d.enabled, match: d.match, conditions: drop(conditions), actions: drop(actions) };
}

const kb = (text: string, unit: SizeUnit) => `${text.trim()} ${unit === "B" ? "bytes" : unit}`;

/** One line saying what the rule does, for the list: "From contains bob → Move to Receipts". */
export function describeRule(d: RuleDraft): string {
  const when: string[] = [];
  if (d.from.trim()) when.push(`from contains “${d.from.trim()}”`);
  if (d.to.trim()) when.push(`to contains “${d.to.trim()}”`);
  if (d.subject.trim()) when.push(`subject contains “${d.subject.trim()}”`);
  if (d.words.trim()) when.push(`has the words “${d.words.trim()}”`);
  if (d.listId.trim()) when.push(`list “${d.listId.trim()}”`);
  if (d.hasAttachment) when.push(d.hasAttachment === "yes" ? "has an attachment" : "has no attachment");
  if (d.sizeOver.trim()) when.push(`larger than ${kb(d.sizeOver, d.sizeOverUnit)}`);
  if (d.sizeUnder.trim()) when.push(`smaller than ${kb(d.sizeUnder, d.sizeUnderUnit)}`);
  const act: string[] = [];
  if (d.moveTo.trim()) act.push(`move to ${d.moveTo.trim()}`);
  if (d.label.trim()) act.push(`label ${d.label.trim()}`);
  if (d.markRead) act.push("mark as read");
  if (d.star) act.push("star");
  if (d.neverSpam) act.push("never send to Spam");
  if (d.forwardTo.trim()) act.push(`forward to ${d.forwardTo.trim()}`);
  if (d.discard) act.push("delete it");
  const condition = when.length === 0 ? "Every message" : `If ${when.join(d.match === "any" ? " or " : " and ")}`;
  return `${condition} → ${act.length ? act.join(", ") : "(no action yet)"}`;
}
