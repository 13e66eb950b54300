// What one region's MX hands another with a message for the other's users (region-relay.ts → the home
// core's api/routes/relay.ts): the envelope and what the receiving MX learned at the door (the client,
// sender authentication, the virus scan), which the home region takes as its own — it cannot check
// SPF against a client it never saw. One body, signed whole: the envelope as a JSON line, then the
// message's bytes.
import { z } from "zod";
import type { AuthVerdict } from "../../store/auth-verdict.ts";
import type { SmtpReply } from "../reply.ts";

const AuthResult = z.enum(["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy"]);

export const RelayEnvelope = z.object({
  /** The id the receiving MX gave the message (its "queued as"); the home region files it under the same. */
  id: z.uuid(),
  receivedAt: z.number().int(),
  mailFrom: z.string().max(512),
  /** The home region's recipients only, as given in RCPT TO. */
  recipients: z.array(z.string().min(3).max(512)).min(1).max(1000),
  client: z.object({ address: z.string().max(64), helo: z.string().max(512), tls: z.boolean() }),
  auth: z
    .object({ spf: AuthResult, dkim: AuthResult, dmarc: AuthResult, arc: AuthResult, dmarcPolicy: z.enum(["none", "quarantine", "reject"]).nullable(), fromDomain: z.string().nullable() })
    .optional() satisfies z.ZodType<AuthVerdict | undefined>,
  virusScan: z.enum(["clean", "unscanned"]).optional(),
});
export type RelayEnvelope = z.infer<typeof RelayEnvelope>;

/** RCPT TO asked of the home region: the same facts the MX's own check has. */
export const RelayRcptRequest = z.object({
  address: z.string().min(3).max(512),
  mailFrom: z.string().max(512),
  clientAddress: z.string().max(64),
  declaredSize: z.number().int().min(0),
});
export type RelayRcptRequest = z.infer<typeof RelayRcptRequest>;

export const RelayReply = z.object({ code: z.number().int().min(200).max(599), status: z.string().regex(/^[245]\.\d{1,3}\.\d{1,3}$/), text: z.string().max(512) }) satisfies z.ZodType<SmtpReply>;
export const RelayRcptAnswer = z.union([z.object({ accept: z.literal(true) }), z.object({ accept: z.literal(false), reply: RelayReply })]);
export type RelayRcptAnswer = z.infer<typeof RelayRcptAnswer>;

export const RelayDeliverAnswer = z.object({ id: z.string() });

export const RELAY_PATHS = {
  rcpt: "/internal/v1/relay/rcpt",
  deliver: "/internal/v1/relay/deliver",
  login: "/internal/v1/relay/submission-login",
  submit: "/internal/v1/relay/submit",
} as const;

/** A mail app signed in at another region's submission port: the home region checks the password. */
export const RelayLoginRequest = z.object({ address: z.string().max(512), password: z.string().max(1024), ip: z.string().max(64) });
export const RelayLoginAnswer = z.union([
  z.object({ kind: z.literal("ok"), user: z.object({ id: z.string(), address: z.string() }) }),
  z.object({ kind: z.literal("wrong") }),
  z.object({ kind: z.literal("throttled"), retryAfterSeconds: z.number().int() }),
]);
export type RelayLoginAnswer = z.infer<typeof RelayLoginAnswer>;

/** What that port received, for the home region to submit as its own port would (the JSON line of a submit body). */
export const RelaySubmission = z.object({
  userId: z.uuid(),
  sender: z.string().max(512),
  recipients: z.array(z.string().max(512)).min(1).max(1000),
  helo: z.string().max(512),
  clientAddress: z.string().max(64),
  secure: z.boolean(),
  receivedAt: z.number().int(),
});
export const RelaySubmitAnswer = z.union([z.object({ messageId: z.string() }), z.object({ refuse: RelayReply })]);

export function encodeRelayBody(envelope: object, raw: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify(envelope)}\n`), raw]);
}

/** The envelope and the message, or null when the body is not one of ours. */
export function decodeRelayBody<S extends z.ZodType = typeof RelayEnvelope>(body: Uint8Array, schema: S = RelayEnvelope as unknown as S): { envelope: z.infer<S>; raw: Buffer } | null {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const eol = buffer.indexOf(0x0a);
  if (eol < 0) return null;
  let json: unknown;
  try {
    json = JSON.parse(buffer.subarray(0, eol).toString("utf8"));
  } catch {
    return null;
  }
  const envelope = schema.safeParse(json);
  return envelope.success ? { envelope: envelope.data, raw: buffer.subarray(eol + 1) } : null;
}
