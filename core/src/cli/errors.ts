// How the CLI fails: a usage error (exit 2) prints the usage; a refusal (exit 1) only says why.
export class UsageError extends Error {}

/** The command was understood but cannot be done: missing configuration, the edge refused, … */
export class RefusedError extends Error {}
