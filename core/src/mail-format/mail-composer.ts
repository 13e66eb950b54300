// nodemailer's MailComposer (its MIME tree, encoders, fetch and punycode: some 2 MiB of heap), loaded
// with the first message built here rather than with the module graph: the pipeline thread needs it
// only for a vacation answer, a held notice or outgoing mail, and the main thread only for a draft;
// a core that only receives never does (README "Memory of a core").
import type MailComposerClass from "nodemailer/lib/mail-composer";

export type MailComposer = typeof MailComposerClass;
export type MailComposerOptions = ConstructorParameters<MailComposer>[0];

let loading: Promise<MailComposer> | null = null;

export function loadMailComposer(): Promise<MailComposer> {
  return (loading ??= import("nodemailer/lib/mail-composer").then((m) => m.default));
}
