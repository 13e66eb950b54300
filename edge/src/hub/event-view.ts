// An event as one listener or webhook may see it: whole for a principal that may read mail, else a
// message.created without what the message says (shared/events.ts MessageNotice). Every other event
// type tells only ids, folders, flags and counts, and goes out as it is.
import { MessageNotice, type ClientEvent } from "../../../shared/events.ts";

const noticeFields = Object.keys(MessageNotice.shape) as (keyof MessageNotice)[];

export function withoutContent(event: ClientEvent): ClientEvent {
  if (event.type !== "message.created") return event;
  const created = event as ClientEvent<"message.created">;
  const notice = Object.fromEntries(noticeFields.map((field) => [field, created.data.message[field]])) as MessageNotice;
  return { ...created, data: { message: notice } } satisfies ClientEvent<"message.created">;
}

export function eventFor(event: ClientEvent, readsMail: boolean): ClientEvent {
  return readsMail ? event : withoutContent(event);
}
