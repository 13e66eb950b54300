// What a principal without mail.read sees of message events: neither what a new message says nor the
// keywords a change set (labels tell what a message is about); flags and folders it does see.
import { describe, expect, it } from "vitest";
import type { ClientEvent } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { eventFor } from "./event-view.ts";

describe("eventFor", () => {
  it("leaves the keywords out of message.updated without mail.read, and keeps them with it", () => {
    const id = uuidv7();
    const updated: ClientEvent<"message.updated"> = {
      cursor: 7,
      type: "message.updated",
      at: new Date().toISOString(),
      data: { id, folderId: uuidv7(), read: true, starred: false, threadId: id, keywords: ["medical"] },
    };
    expect(eventFor(updated, { readsMail: true, session: false })).toEqual(updated);
    const { keywords: _, ...flagsOnly } = updated.data;
    expect(eventFor(updated, { readsMail: false, session: false })).toEqual({ ...updated, data: flagsOnly });
  });
});
