// The OpenAPI 3.1 document of the public API, built from the operation table and the zod contract.
// Plain data in, plain data out: it runs the same in workerd (served) and in Node (validated in tests).
import { WebhookEventType } from "../../../shared/api.ts";
import { PROBLEM_CONTENT_TYPE, problemKinds, type ProblemKind } from "../../../shared/problem.ts";
import { rateLimits, type RateLimitKind } from "../rate-limits.ts";
import { apiDescription, webhookDescription } from "./description.ts";
import { operations, type Body, type OperationSpec, type SchemaSpec } from "./operations.ts";
import { componentSchemas, eventComponentName, type JsonSchema } from "./schemas.ts";

export type OpenApiDocument = JsonSchema & { openapi: string; paths: Record<string, Record<string, JsonSchema>> };

/** What each problem means, wherever an operation may answer it. */
const problemMeaning: Record<ProblemKind, string> = {
  validation: "The request is not valid; `errors` names each bad field or parameter.",
  unauthorized: "No valid bearer token (for login: wrong address or password).",
  forbidden: "The API key lacks the scope this operation needs, the operation is for password sessions only, or what this request would do needs more (the operation says what; `errors` names the field).",
  notFound: "No such resource for this user.",
  methodNotAllowed: "The resource does not support this method.",
  conflict: "The request conflicts with the resource's current state.",
  lengthRequired: "The upload needs a Content-Length header.",
  payloadTooLarge: "The body (or the message it makes, or the remote image asked for) is larger than allowed.",
  unsupportedMediaType: "The body must be JSON, with `Content-Type: application/json` (for remote content: what the remote server answered is not an image this service passes on).",
  rangeNotSatisfiable: "The byte range lies outside the content; Content-Range gives its size.",
  unprocessable: "The Idempotency-Key was used before for a different request.",
  upgradeRequired: "This route is a WebSocket: open it with `Upgrade: websocket`.",
  tooManyRequests: "A rate limit was reached (RateLimit-Policy names it; for sending, also the daily limit); retry after Retry-After seconds.",
  internal: "Something went wrong on the server; quote `requestId`.",
  badGateway: "The mail core answered wrongly, the content is missing from storage, or (remote content) the remote server failed or answered with an error.",
  unavailable: "The user's mail core cannot be reached right now (or DNS could not be asked where a URL leads); retry after Retry-After seconds.",
  gatewayTimeout: "(remote content) The remote server did not answer in time.",
};

const problemHeaders: Partial<Record<ProblemKind, Record<string, JsonSchema>>> = {
  unauthorized: { "WWW-Authenticate": { description: '`Bearer realm="edgemail"` (with `error="invalid_token"` for a bad token).', schema: { type: "string" } } },
  rangeNotSatisfiable: { "Content-Range": { description: "`bytes */<size>`.", schema: { type: "string" } } },
  tooManyRequests: {
    "Retry-After": { $ref: "#/components/headers/Retry-After" },
    "RateLimit-Policy": { $ref: "#/components/headers/RateLimit-Policy" },
    RateLimit: { $ref: "#/components/headers/RateLimit" },
  },
  unavailable: { "Retry-After": { $ref: "#/components/headers/Retry-After" } },
};

export function problemResponseName(kind: ProblemKind): string {
  return kind[0]!.toUpperCase() + kind.slice(1);
}

function schemaOf(spec: SchemaSpec): JsonSchema {
  return typeof spec === "string" ? { $ref: `#/components/schemas/${spec}` } : spec;
}

function contentOf(content: Body["content"]): JsonSchema {
  return Object.fromEntries(Object.entries(content).map(([type, spec]) => [type, spec === null ? {} : { schema: schemaOf(spec) }]));
}

export function limitsOf(op: OperationSpec): RateLimitKind[] {
  return op.access === "public" ? (op.limits ?? []) : ["user", "key"];
}

const policy = (kind: RateLimitKind) => `\`"${kind}";q=${rateLimits[kind].limit};w=${rateLimits[kind].period}\``;

function policiesText(op: OperationSpec): string {
  if (op.access === "public") return limitsOf(op).map(policy).join(", ");
  if (op.access === "session") return policy("user");
  return `${policy("user")} for a session; ${policy("key")}, ${policy("user")} for an API key`;
}

export function problemsOf(op: OperationSpec): ProblemKind[] {
  const kinds = new Set<ProblemKind>(op.problems);
  if (op.body?.content["application/json"]) for (const k of ["validation", "payloadTooLarge", "unsupportedMediaType"] as const) kinds.add(k);
  if (op.access !== "public") for (const k of ["unauthorized", "forbidden"] as const) kinds.add(k);
  if (limitsOf(op).length > 0) kinds.add("tooManyRequests");
  if (!op.edgeOnly) kinds.add("unavailable");
  return [...kinds].sort((a, b) => problemKinds[a].status - problemKinds[b].status);
}

export function accessText(op: OperationSpec): string {
  if (op.access === "public") return "No authentication.";
  if (op.access === "session") return "A password session's bearer token only: API keys get 403.";
  return `A session's bearer token, or an API key with the scope \`${op.access}\`.`;
}

function security(op: OperationSpec): JsonSchema[] {
  if (op.access === "public") return [];
  const alternatives: JsonSchema[] = [{ session: [] }];
  if (op.access !== "session") alternatives.push({ apiKey: [op.access] });
  if (op.tokenInQuery) alternatives.push({ accessToken: [] });
  return alternatives;
}

function parameters(op: OperationSpec, schemas: Record<string, JsonSchema>): JsonSchema[] {
  const params = (op.params ?? []).map((p) => ({ name: p.name, in: p.in, required: p.in === "path" || p.required === true, description: p.description, schema: schemaOf(p.schema) }));
  if (op.query) {
    const component = schemas[op.query.component] as { properties: Record<string, JsonSchema>; required?: string[] };
    for (const name of op.query.names) {
      const { description, ...schema } = component.properties[name]!;
      params.push({ name, in: "query", required: component.required?.includes(name) ?? false, description: (description as string | undefined) ?? queryDescriptions[name] ?? "", schema });
    }
  }
  return params;
}

const queryDescriptions: Record<string, string> = {
  limit: "Messages per page.",
  cursor: "`nextCursor` of the previous page.",
  collapseThreads: "`true`: one row per thread, its newest message in the folder, with `threadSize`.",
  since: "The cursor of the last event you have; events after it are answered.",
  timeout: "Seconds to wait for an event before answering none.",
};

function operation(op: OperationSpec, schemas: Record<string, JsonSchema>): JsonSchema {
  const limited = limitsOf(op).length > 0;
  const responses: JsonSchema = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const headers: JsonSchema = Object.fromEntries(Object.entries(r.headers ?? {}).map(([name, h]) => [name, { description: h.description, schema: h.schema ?? { type: "string" } }]));
    if (limited) headers["RateLimit-Policy"] = { description: `This operation's rate limits: ${policiesText(op)}.`, schema: { type: "string" } };
    responses[status] = { description: r.description, ...(Object.keys(headers).length ? { headers } : {}), ...(Object.keys(r.content).length ? { content: contentOf(r.content) } : {}) };
  }
  for (const kind of problemsOf(op)) responses[String(problemKinds[kind].status)] = { $ref: `#/components/responses/${problemResponseName(kind)}` };
  const params = parameters(op, schemas);
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: [op.description, `**Authentication:** ${accessText(op)}`].filter(Boolean).join("\n\n"),
    security: security(op),
    ...(op.access === "public" ? {} : { "x-api-key-scope": op.access === "session" ? null : op.access }),
    ...(params.length ? { parameters: params } : {}),
    ...(op.body ? { requestBody: { required: op.body.required, ...(op.body.description ? { description: op.body.description } : {}), content: contentOf(op.body.content) } } : {}),
    responses,
  };
}

function webhooks(): JsonSchema {
  const header = (name: string, description: string) => ({ name, in: "header", required: true, description, schema: { type: "string" } });
  return Object.fromEntries(
    WebhookEventType.options.map((type) => [
      type,
      {
        post: {
          operationId: `webhook.${type}`,
          summary: `${type} delivered to your endpoint`,
          description: webhookDescription,
          security: [],
          parameters: [
            header("webhook-id", "The delivery's id: the same on every retry, so duplicates can be dropped."),
            header("webhook-timestamp", "Unix seconds of this attempt; refuse ones far from your clock (replays)."),
            header("webhook-signature", "`v1,<base64 HMAC-SHA256>` over `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the secret's bytes after `whsec_`; several may be listed, separated by spaces."),
          ],
          requestBody: { required: true, content: { "application/json": { schema: schemaOf(eventComponentName(type, "Webhook")) } } },
          responses: {
            "2XX": { description: "Received. Answer quickly and do the work later." },
            default: { description: "Not received: the delivery is retried later, with growing pauses." },
          },
        },
      },
    ]),
  );
}

export function buildOpenApiDocument(): OpenApiDocument {
  const schemas = componentSchemas();
  const paths: OpenApiDocument["paths"] = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operation(op, schemas);
  const usedProblems = new Set(operations.flatMap(problemsOf));
  return {
    openapi: "3.1.1",
    info: {
      title: "edgemail API",
      version: "1.0.0",
      summary: "Mail, folders, sending, realtime events and webhooks of an edgemail account.",
      description: apiDescription,
      license: { name: "AGPL-3.0-or-later", identifier: "AGPL-3.0-or-later" },
    },
    tags: [
      { name: "Auth", description: "Password login and logout." },
      { name: "Mailbox", description: "Account, folders and messages." },
      { name: "Search", description: "Full-text search over the user's mail, with Gmail's operators." },
      { name: "Contacts", description: "The people the user has mailed, for address suggestions." },
      { name: "Remote content", description: "Images a message links to, fetched by the edge so the reader's browser contacts no other host." },
      { name: "Attachments", description: "Downloads (with byte ranges) and uploads for sending." },
      { name: "Sending", description: "Sending messages (held for undo when asked), and saving drafts." },
      { name: "Settings", description: "The user's settings, kept by the service for every device." },
      { name: "Filters", description: "Rules, Sieve scripts and the vacation answer, applied to every message as it arrives." },
      { name: "Events", description: "Mailbox changes as they happen: long-poll, Server-Sent Events or WebSocket." },
      { name: "API keys", description: "Keys with scopes for integrations; managed by password sessions only." },
      { name: "Webhooks", description: "Events POSTed to your endpoint, signed." },
      { name: "Security", description: "The account's sign-in history." },
      { name: "Reference", description: "This document, as JSON and as a page." },
    ],
    paths,
    webhooks: webhooks(),
    components: {
      schemas,
      responses: Object.fromEntries(
        (Object.keys(problemKinds) as ProblemKind[])
          .filter((kind) => usedProblems.has(kind))
          .map((kind) => [
            problemResponseName(kind),
            {
              description: `${problemKinds[kind].title}: ${problemMeaning[kind]}`,
              ...(problemHeaders[kind] ? { headers: problemHeaders[kind] } : {}),
              content: { [PROBLEM_CONTENT_TYPE]: { schema: schemaOf("Problem") } },
            },
          ]),
      ),
      headers: {
        "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer" } },
        "RateLimit-Policy": {
          description: `The rate limits that apply (IETF draft \`RateLimit-Policy\`): ${(Object.keys(rateLimits) as RateLimitKind[]).map(policy).join(", ")} (q: requests, w: seconds).`,
          schema: { type: "string" },
        },
        RateLimit: { description: 'On a 429: the exhausted limit, `"<policy>";r=0;t=<seconds until it may be used again, at most>`.', schema: { type: "string" } },
      },
      securitySchemes: {
        session: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The token from POST /api/v1/auth/login, in `Authorization: Bearer <token>`. A session may call every operation." },
        apiKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "emk_…",
          description: "An API key from POST /api/v1/api-keys, in the same header: `Authorization: Bearer emk_…`. It may call the operations of its scopes (`x-api-key-scope` on each operation).",
        },
        accessToken: { type: "apiKey", in: "query", name: "access_token", description: "Either token as a query parameter, on the WebSocket and the event stream only (browsers cannot set headers on those); refused elsewhere." },
      },
    },
  };
}
