// The JSON filter rules of /api/v1/filters: simple conditions and actions a settings page can edit,
// compiled to Sieve (filters-sieve.ts) so that rules and hand-written scripts run through one engine.
import { z } from "zod";
import { normalizeAddress } from "./address.ts";

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Text a condition looks for (case-insensitive substring). Control characters could break a header or the script. */
const searchText = (max: number) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(max)
    .refine((v) => !CONTROL.test(v), { message: "must not contain line breaks or control characters" })
    .refine((v) => v.trim() !== "", { message: "must not be only spaces" });

/** IMAP keywords are atoms (RFC 3501): one word of printable ASCII without ( ) { % * " \ ]. */
const LABEL = /^[^\u0000-\u0020\u007f-\uffff(){%*"\\\]]+$/;

/** Words and "quoted phrases" of a words condition. */
export function searchTerms(words: string): string[] {
  return [...words.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2] ?? "").trim()).filter((t) => t !== "");
}

export const FilterConditions = z.strictObject({
  /** Part of the From header: an address, a domain, or a display name. */
  from: searchText(320).optional(),
  /** Part of a To or Cc header, or of the address the message was delivered to (alice+news@…). */
  to: searchText(320).optional(),
  subject: searchText(500).optional(),
  /** Words found in the subject or the body text; every word must occur, "quoted phrases" stay whole. */
  words: searchText(500)
    .refine((v) => searchTerms(v).length > 0, { message: "must contain at least one word" })
    .refine((v) => searchTerms(v).length <= 20, { message: "at most 20 words" })
    .optional(),
  /** Judged from the top-level MIME headers: multipart/mixed or a Content-Disposition of attachment. */
  hasAttachment: z.boolean().optional(),
  /** Message size in bytes. */
  sizeOver: z.number().int().min(0).max(2 ** 40).optional(),
  sizeUnder: z.number().int().min(1).max(2 ** 40).optional(),
  /** Part of the List-Id header (RFC 2919), e.g. "dev.lists.example.org". */
  listId: searchText(320).optional(),
});
export type FilterConditions = z.infer<typeof FilterConditions>;

export const FilterActions = z
  .strictObject({
    /** Folder to file the message into (instead of the inbox). */
    moveTo: searchText(200).optional(),
    /** IMAP keywords to set on the message. */
    label: z
      .array(
        z
          .string()
          .min(1, "must not be empty")
          .max(64)
          .regex(LABEL, 'must be one word of ASCII letters, digits or punctuation other than ( ) { % * " \\ ]'),
      )
      .min(1, "give at least one label or leave label out")
      .max(20)
      .optional(),
    markRead: z.boolean().optional(),
    star: z.boolean().optional(),
    /** Sends a copy on (the message is still stored unless discard is set too). */
    forwardTo: z
      .string()
      .refine((a) => normalizeAddress(a) !== null, { message: "must be a mail address such as bob@example.org" })
      .optional(),
    /** Do not store the message. Only forwardTo may go with it. */
    discard: z.boolean().optional(),
    /** Never treat the message as junk (sets the $NotJunk keyword the spam stage honours). */
    neverSpam: z.boolean().optional(),
  })
  .superRefine((actions, ctx) => {
    const storing = (["moveTo", "label", "markRead", "star", "neverSpam"] as const).filter((k) => actions[k] !== undefined && actions[k] !== false);
    if (actions.discard && storing.length > 0) {
      ctx.addIssue({ code: "custom", path: ["discard"], message: `cannot be combined with ${storing.join(", ")}: a discarded message is not stored` });
    }
    if (storing.length === 0 && !actions.discard && actions.forwardTo === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "give at least one action: moveTo, label, markRead, star, forwardTo, discard or neverSpam" });
    }
  });
export type FilterActions = z.infer<typeof FilterActions>;

export const FilterRule = z.strictObject({
  name: z
    .string()
    .max(100)
    .refine((v) => !CONTROL.test(v), { message: "must not contain line breaks or control characters" })
    .optional(),
  /** A disabled rule is kept but does nothing. */
  enabled: z.boolean().default(true),
  /** No conditions: the rule applies to every message. */
  conditions: FilterConditions,
  /** "all": every condition must hold; "any": one is enough. */
  match: z.enum(["all", "any"]).default("all"),
  actions: FilterActions,
});
export type FilterRule = z.infer<typeof FilterRule>;

/** A user's rules, applied in order; every matching rule acts (they do not stop each other). */
export const FilterRules = z.array(FilterRule).max(100, "at most 100 rules");
export type FilterRules = z.infer<typeof FilterRules>;

/** The vacation answer (RFC 5230): sent at most once per sender per `days`, never to lists, bulk
 * mail, automatic mail or no-reply senders. */
export const VacationSettings = z.strictObject({
  enabled: z.boolean(),
  /** Subject of the answer; by default "Auto: " and the subject of the message answered. */
  subject: z
    .string()
    .min(1)
    .max(200)
    .refine((v) => !CONTROL.test(v), { message: "must not contain line breaks or control characters" })
    .optional(),
  /** The answer's text. */
  body: z
    .string()
    .min(1, "must not be empty")
    .max(10_000)
    .refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v), { message: "must not contain control characters" }),
  days: z.number().int().min(1, "at least 1 day").max(90, "at most 90 days").default(7),
});
export type VacationSettings = z.infer<typeof VacationSettings>;

/** What PUT /api/v1/filters takes and GET /api/v1/filters gives back: rules and the vacation answer. */
export const FilterSettings = z.strictObject({
  rules: FilterRules.default([]),
  vacation: VacationSettings.nullable().default(null),
});
export type FilterSettings = z.infer<typeof FilterSettings>;

/** A Sieve script of the user's own (RFC 5228; fileinto, imap4flags, copy, envelope, body, vacation). */
export const SieveUpload = z.strictObject({ script: z.string().min(1, "must not be empty").max(128 * 1024, "at most 128 KiB") });

/** The user's filters as stored: the active script, and the settings it was compiled from when the
 * rule API made it (null when the user uploaded Sieve). */
export const Filters = z.object({
  script: z.string().nullable(),
  settings: FilterSettings.nullable(),
  updatedAt: z.string().nullable(),
});
export type Filters = z.infer<typeof Filters>;

/** Who saves the filters, as the edge tells the core in the query of the internal PUT (the request
 * signature covers it): the core decides whether a save that adds forwarding is allowed, since it
 * is the one that parses Sieve. `scopes` is comma-separated; a password session sends every scope. */
export const FilterSaver = z.strictObject({
  by: z.enum(["session", "apiKey"]),
  byId: z.string().min(1).max(200),
  scopes: z.string().max(200).transform((s) => s.split(",").filter((x) => x !== "")),
});
export type FilterSaver = z.infer<typeof FilterSaver>;
