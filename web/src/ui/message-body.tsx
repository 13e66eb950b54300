// Placeholder until the sanitizing message frame lands: the text part only, as text.
import type { Message } from "../../../shared/api.ts";

export function MessageBody({ message }: { message: Message }) {
  return <pre class="plain-body">{message.text ?? ""}</pre>;
}
