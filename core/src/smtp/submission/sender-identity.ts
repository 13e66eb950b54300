// Who a submitted message says it is from must be the signed-in user: the envelope sender, and every
// mailbox of the From, Sender, Resent-From and Resent-Sender fields (groups included). An address
// counts as the user's when the directory delivers it to them (their address, an alias, a domain
// alias, a subaddress), so the comparison is by resolution, not by string. A display name that shows
// an address ("ceo@bank.test" <me@ours>) is held to the same rule: many clients show that name alone.
import { addressParser } from "postal-mime";
import { normalizeAddress } from "../../../../shared/address.ts";
import type { Directory, DirectoryUser } from "../../store/directory.ts";
import type { SmtpReply } from "../reply.ts";
import { originatorFields, repeatedOriginator } from "../originator-fields.ts";

/** Whether mail to `address` reaches `user`. `known` keeps the answers of one SMTP session: a mail
 * app sends message after message with the same addresses, each looked up once per connection. */
export async function ownsAddress(directory: Directory, user: DirectoryUser, address: string, known?: Map<string, boolean>): Promise<boolean> {
  const normalized = normalizeAddress(address);
  if (!normalized) return false;
  const cached = known?.get(normalized);
  if (cached !== undefined) return cached;
  const resolution = await directory.resolve(normalized);
  const owned = resolution.kind === "user" && resolution.user.id === user.id;
  known?.set(normalized, owned);
  return owned;
}

const refuse = (text: string): SmtpReply => ({ code: 553, status: "5.7.1", text });

/** What the sender wrote, safe to quote in one reply line. */
function quoted(value: string): string {
  const flat = value.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
  return flat.length > 100 ? `${flat.slice(0, 100)}…` : flat;
}

/** Address-like words in a display name: what a reader could take for the sender. */
function addressesShownIn(name: string): string[] {
  return [...name.matchAll(/[^\s<>()[\]"',;:@]+@[^\s<>()[\]"',;:@]+/g)].map((m) => m[0]);
}

/** The reply that refuses the message's originator fields, or null when they are all the user's. */
export async function originatorRefusal(directory: Directory, user: DirectoryUser, raw: Buffer, known?: Map<string, boolean>): Promise<SmtpReply | null> {
  const fields = originatorFields(raw);
  if (fields.from.length === 0) return refuse("the message has no From header: add one with your address");
  const repeated = repeatedOriginator(fields);
  if (repeated) return refuse(`more than one ${repeated} header: send one, with your address`);
  const checked: [string, string[]][] = [
    ["From", fields.from],
    ["Sender", fields.sender],
    ["Resent-From", fields.resentFrom],
    ["Resent-Sender", fields.resentSender],
  ];
  for (const [field, values] of checked) {
    for (const value of values) {
      const entries = addressParser(value);
      const mailboxes = entries.flatMap((e) => (e.group ? e.group : [e]));
      if (mailboxes.length === 0) return refuse(`the ${field} header names no address: put your address in it`);
      for (const { address, name } of mailboxes) {
        if (!address) return refuse(`the ${field} header has "${quoted(name)}" without an address`);
        if (!(await ownsAddress(directory, user, address, known))) return refuse(`<${quoted(address)}> in the ${field} header is not one of your addresses`);
      }
      // Group names are shown too ("ceo@bank.test: me@ours;").
      for (const { name } of [...entries, ...mailboxes]) {
        for (const shown of addressesShownIn(name)) {
          if (!(await ownsAddress(directory, user, shown, known))) return refuse(`the name "${quoted(name)}" in the ${field} header shows <${quoted(shown)}>, which is not one of your addresses`);
        }
      }
    }
  }
  return null;
}
