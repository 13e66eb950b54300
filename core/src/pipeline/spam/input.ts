// What every spam check receives, and what it answers: named scores in SpamAssassin's style, so
// the X-Spam-Status header reads like the one users and tools already know.
import type { AuthVerdict } from "../../store/auth-verdict.ts";
import type { ParsedMail } from "../../mail-format/parse.ts";
import type { HeaderField } from "./header-fields.ts";
import type { Link } from "./links.ts";

export interface SpamInput {
  raw: Buffer;
  mail: ParsedMail;
  /** The SMTP client; null for mail that did not come in over SMTP (outbound, imports). */
  client: { address: string; helo: string } | null;
  auth: AuthVerdict | null;
  /** The envelope sender, where the message has no Return-Path yet (outgoing mail: the user's address). */
  mailFrom?: string | null;
  /** The domains this service receives mail for: what look-alike senders imitate. */
  localDomains: string[];
}

export interface Hit {
  /** UPPER_SNAKE, e.g. BAYES_99. */
  name: string;
  score: number;
  detail?: string;
}

/** What the checks share, worked out once per message. */
export interface CheckContext {
  headers: HeaderField[];
  /** When the message was received (ms since the epoch): Date checks compare against it. */
  now: number;
  /** Content types of every MIME part, lower-case ("text/plain", "multipart/alternative", …). */
  mimeTypes: string[];
  /** The HTML as sent; null when the message has no HTML part (the parser's HTML rendering of a
   * plain-text message is not the sender's). */
  html: string | null;
  /** The text a reader sees: the plain part, else the HTML's text. */
  text: string;
  links: Link[];
}

export type Check = (input: SpamInput, ctx: CheckContext) => Hit[] | Promise<Hit[]>;
