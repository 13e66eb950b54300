// Builds the SieveMessage the interpreter reads from plain values, for tests: the interpreter's input,
// not a stand-in for any component.
import type { SieveMessage } from "./interpret.ts";

export interface TestMessageInput {
  headers?: Record<string, string | string[]>;
  envelope?: { from?: string; to?: string };
  size?: number;
  body?: string;
  raw?: string;
}

export function testMessage(input: TestMessageInput = {}): SieveMessage {
  const headers = new Map<string, string[]>();
  for (const [name, value] of Object.entries(input.headers ?? {})) headers.set(name.toLowerCase(), Array.isArray(value) ? value : [value]);
  const message: SieveMessage = {
    header: (name) => headers.get(name.toLowerCase()) ?? [],
    envelope: { from: input.envelope?.from ?? "sender@example.org", to: input.envelope?.to ?? "alice@example.com" },
    size: input.size ?? 1000,
    bodyText: () => input.body ?? "",
  };
  if (input.raw !== undefined) message.rawBody = () => input.raw!;
  return message;
}
