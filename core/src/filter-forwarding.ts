// Filters that forward mail away. Silent forwarding is the first thing a thief sets up in a hijacked
// mailbox, so a save that makes the filters forward to an outside address they did not forward to
// before needs a password session or an API key with `mail.forward`, and is recorded as the event
// security.forwarding, which reaches the user. Keeping or removing a forward needs nothing more than
// saving filters does: an integrator reordering rules must not break.
import type { Scope } from "../../shared/api.ts";
import type { FilterSaver, FilterSettings } from "../../shared/filters.ts";
import { normalizeAddress } from "../../shared/address.ts";
import { ProblemError, type FieldError } from "../../shared/problem.ts";
import type { Directory } from "./store/directory.ts";
import type { EventDraft } from "./store/events.ts";
import { parseSieve } from "./pipeline/sieve/parse.ts";
import { redirectTargets } from "./pipeline/sieve/redirects.ts";
import type { SieveScript } from "./pipeline/sieve/script.ts";

const FORWARD_SCOPE: Scope = "mail.forward";

/** The script's redirect targets that are not the user's own: neither their address nor one of their
 * aliases (subaddresses and domain aliases included), as the directory resolves them for delivery. */
export async function outsideTargets(directory: Directory, userId: string, script: SieveScript): Promise<string[]> {
  const targets = redirectTargets(script);
  const owners = await Promise.all(targets.map((t) => directory.resolve(t)));
  return targets.filter((_, i) => {
    const owner = owners[i]!;
    return owner.kind !== "user" || owner.user.id !== userId;
  });
}

/** What the filters being replaced already forward to (own addresses too: an alias removed since is
 * still a forward the user saved). A script this engine no longer reads forwards to nothing known. */
function previousTargets(previousScript: string | null): Set<string> {
  if (previousScript === null) return new Set();
  try {
    return new Set(redirectTargets(parseSieve(previousScript)));
  } catch {
    return new Set();
  }
}

/** Where the refusal points: the rules that forward to a new address, or the uploaded script. */
export type ForwardingFields = { kind: "script" } | { kind: "rules"; settings: FilterSettings };

function refusedFields(fields: ForwardingFields, added: string[], why: string): FieldError[] {
  if (fields.kind === "script") return [{ field: "script", message: `redirects to ${added.join(", ")}: ${why}` }];
  const errors: FieldError[] = [];
  fields.settings.rules.forEach((rule, i) => {
    const to = rule.actions.forwardTo === undefined ? null : normalizeAddress(rule.actions.forwardTo);
    if (rule.enabled && to !== null && added.includes(to)) errors.push({ field: `rules.${i}.actions.forwardTo`, message: `${to}: ${why}` });
  });
  return errors;
}

/** Judges a save against the filters it replaces (called inside the save's transaction): the events
 * to record, or a 403 problem when the saver may not add the forwards it adds. */
export function judgeForwarding(
  outside: string[],
  previousScript: string | null,
  saver: FilterSaver,
  fields: ForwardingFields,
): EventDraft[] {
  const before = previousTargets(previousScript);
  const added = outside.filter((t) => !before.has(t));
  if (added.length === 0) return [];
  if (!saver.scopes.includes(FORWARD_SCOPE)) {
    const why = `forwarding to an address outside this account needs a password session or an API key with the scope ${FORWARD_SCOPE}`;
    throw new ProblemError(
      "forbidden",
      `Forwarding mail to ${added.join(", ")} needs a password session or an API key with the scope ${FORWARD_SCOPE}. ` +
        "This key may keep or remove the forwards already saved, not add one.",
      { errors: refusedFields(fields, added, why) },
    );
  }
  return [{ type: "security.forwarding", data: { added, targets: outside, by: { kind: saver.by, id: saver.byId } } }];
}
