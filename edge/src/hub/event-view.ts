// An event as one listener or webhook may see it:
//  - what happened to the account's security (sign-ins with their addresses and browsers, forwarding
//    targets, wrong passwords) only to the user's own password sessions, which alone may manage
//    credentials: an integrator's key has no business with where its user signs in from;
//  - a new message whole to a principal that may read mail, else without what the message says
//    (shared/events.ts MessageNotice), and a change of a message's keywords only to the former (labels
//    tell what it is about). Every other event tells only ids, folders, flags and counts.
import { MessageNotice, type ClientEvent } from "../../../shared/events.ts";

/** Who is looking: whether it holds mail.read (scopes.ts readsMail), and whether it is a password session. */
export interface EventAudience {
  readsMail: boolean;
  session: boolean;
}

const noticeFields = Object.keys(MessageNotice.shape) as (keyof MessageNotice)[];

export function withoutContent(event: ClientEvent): ClientEvent {
  if (event.type === "message.updated") {
    const updated = event as ClientEvent<"message.updated">;
    const { keywords: _, ...data } = updated.data;
    return { ...updated, data } satisfies ClientEvent<"message.updated">;
  }
  if (event.type !== "message.created") return event;
  const created = event as ClientEvent<"message.created">;
  const notice = Object.fromEntries(noticeFields.map((field) => [field, created.data.message[field]])) as MessageNotice;
  return { ...created, data: { message: notice } } satisfies ClientEvent<"message.created">;
}

/** The event as `audience` sees it, or null when it is not for them at all. */
export function eventFor(event: ClientEvent, audience: EventAudience): ClientEvent | null {
  if (event.type.startsWith("security.") && !audience.session) return null;
  return audience.readsMail ? event : withoutContent(event);
}

/** Of `events`, those `audience` sees, as it sees them. */
export function eventsFor(events: ClientEvent[], audience: EventAudience): ClientEvent[] {
  return events.flatMap((e) => eventFor(e, audience) ?? []);
}
