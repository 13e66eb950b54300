// The prose of the OpenAPI document: what an integrator reads before the operations. Markdown kept to
// what the reference page renders: `## ` headings, `- ` lists, paragraphs, `code` and **bold**.
import { rateLimits } from "../rate-limits.ts";

const { login, user, key } = rateLimits;

export const webhookDescription = `Each event of a type the webhook subscribed to is POSTed as JSON to its URL, signed as Standard Webhooks specifies:

- \`webhook-id\`: the delivery's id, the same on every retry (deliveries are at least once: drop ids you have seen);
- \`webhook-timestamp\`: Unix seconds of the attempt;
- \`webhook-signature\`: \`v1,\` and the base64 HMAC-SHA256 of \`<webhook-id>.<webhook-timestamp>.<raw body>\`, keyed with the base64-decoded part of the secret after \`whsec_\`. Several space-separated signatures may be sent; accept the delivery when one matches.

To verify: recompute the HMAC over the raw body as received (before parsing), compare in constant time, and refuse a timestamp more than five minutes from your clock. Any Standard Webhooks library does this with the \`whsec_\` secret.

\`data.cursor\` is the event's cursor: after your endpoint was down, catch up with GET /api/v1/events?since=<cursor>.

A webhook belongs to who made it. One made by an API key is listed and deleted by that key only, and is deleted with the key; a password session sees all of the user's (\`createdBy\`). Its \`message.created\` deliveries carry the message's summary only when its maker may read mail (a password session, or a key with \`mail.read\`: \`includesContent\`); otherwise \`data.message\` is a MessageNotice, without subject, sender, recipients or snippet.`;

export const apiDescription = `The public HTTP API of an edgemail service: JSON in and out, under \`/api/v1\`.

## Authentication

- **Sessions:** POST /api/v1/auth/login with address and password answers a short-lived bearer token; send it as \`Authorization: Bearer <token>\`. POST /api/v1/auth/logout revokes it. A session may call every operation.
- **API keys:** for integrations. A password session creates them (POST /api/v1/api-keys) with scopes; the key (\`emk_…\`) goes in the same header, \`Authorization: Bearer emk_…\`. Each operation names the scope it needs (\`x-api-key-scope\`); API keys cannot manage API keys, change the password or read the sign-in history and security activity. A password change revokes every API key.
- **Scopes:** \`mail.read\` reads account, folders, messages and attachments; \`mail.manage\` changes, moves and deletes messages and saves drafts and filters; \`mail.forward\` (with \`mail.manage\`) saves filters that forward mail to a new address outside the account; \`mail.send\` sends and uploads attachments; \`events\` reads events and manages webhooks. What a new message says (subject, sender, recipients, snippet) is \`mail.read\`'s: with \`events\` alone, \`message.created\` carries a MessageNotice (that it came, where and when); security events reach password sessions only.
- **Tokens in URLs:** only the WebSocket (GET /api/v1/events/ws) and the event stream (GET /api/v1/events/stream) take the token as \`access_token\`, as browsers cannot set headers on them; everywhere else it is refused (400) — URLs end up in logs and Referer headers. Prefer the \`bearer.<token>\` subprotocol on the WebSocket.

## Errors

Every error is RFC 9457 problem details, \`Content-Type: application/problem+json\` (the Problem schema): \`type\` is a stable URN to switch on, \`detail\` says what went wrong, \`errors\` names each invalid field of a 400, and \`requestId\` (also the \`X-Request-Id\` header of every answer) identifies the request in our logs.

## Rate limits

- \`login\`: ${login.limit} login attempts per ${login.period} seconds per client IP (the address Cloudflare saw, not a header the client sends). When this limit cannot be checked, logins are refused with 503 and \`Retry-After\` rather than let through.
- \`user\`: ${user.limit} requests per ${user.period} seconds per user, however they authenticate (a sliding window: \`Retry-After\` says when the next request is taken).
- \`key\`: ${key.limit} requests per ${key.period} seconds per API key (counted before its user's limit).

Answers of limited operations carry \`RateLimit-Policy\` (IETF draft), e.g. \`"user";q=${user.limit};w=${user.period}\`. Past a limit the answer is 429 with \`Retry-After\` and \`RateLimit: "<policy>";r=0;t=<seconds>\`. Sending also has a daily limit of recipients per user, answered the same way.

## Paging and ids

Ids are UUIDv7 and sort by creation time. Folder listings are newest first; pass a page's \`nextCursor\` as \`cursor\` for the next, until it is null.

## Events

Mailbox changes (the ClientEvent schema, one type per change) come with a cursor that only grows. Long-poll GET /api/v1/events?since=<cursor>, hold a Server-Sent Events stream (GET /api/v1/events/stream) or a WebSocket (GET /api/v1/events/ws); after a disconnect, resume from the last cursor. A \`resync\` event means the cursor is too old: reload the mailbox, then go on from that event's cursor.

## Webhooks

${webhookDescription}`;
