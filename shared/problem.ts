// One error shape for every HTTP answer of both tiers: RFC 9457 problem details.

export interface FieldError {
  /** Dotted path of the offending field, e.g. `password` or `query.limit`. */
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  requestId?: string;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The kinds of problem the API answers with; `type` is a stable URN clients can switch on. */
export const problemKinds = {
  validation: { status: 400, title: "The request is not valid" },
  unauthorized: { status: 401, title: "Authentication is required" },
  forbidden: { status: 403, title: "Not allowed" },
  notFound: { status: 404, title: "Not found" },
  methodNotAllowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  lengthRequired: { status: 411, title: "Length required" },
  payloadTooLarge: { status: 413, title: "Payload too large" },
  unsupportedMediaType: { status: 415, title: "Unsupported media type" },
  rangeNotSatisfiable: { status: 416, title: "Range not satisfiable" },
  unprocessable: { status: 422, title: "The request cannot be processed" },
  upgradeRequired: { status: 426, title: "Upgrade required" },
  tooManyRequests: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal error" },
  badGateway: { status: 502, title: "A server behind the edge did not answer properly" },
  unavailable: { status: 503, title: "Service unavailable" },
  gatewayTimeout: { status: 504, title: "A server behind the edge did not answer in time" },
} as const;

export type ProblemKind = keyof typeof problemKinds;

export function problemType(kind: ProblemKind): string {
  return `urn:edgemail:problem:${kind.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}`;
}

/** Thrown anywhere on a request path; the error middleware of either tier turns it into problem+json. */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(
    kind: ProblemKind,
    detail?: string,
    extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? problemKinds[kind].title);
    this.name = "ProblemError";
    const { status, title } = problemKinds[kind];
    this.problem = { type: problemType(kind), title, status, detail, errors: extra.errors };
    this.headers = extra.headers ?? {};
  }

  /** Rethrows a problem that came from elsewhere (the core's answer, say) as it is. */
  static fromProblem(problem: Problem, headers: Record<string, string> = {}): ProblemError {
    const err = new ProblemError("internal", problem.detail, { headers });
    (err as { problem: Problem }).problem = problem;
    return err;
  }

  get status(): number {
    return this.problem.status;
  }
}

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.type === "string" && typeof v.title === "string" && typeof v.status === "number";
}

/** zod issues → named field errors, so a client can point at the field it got wrong. */
export function fieldErrors(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  prefix?: string,
): FieldError[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const field = [prefix, path].filter(Boolean).join(".") || prefix || "(body)";
    return { field, message: issue.message };
  });
}

/** The HTTP answer for a problem, identical from both tiers. */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
  });
}
