// Where clamd listens, as the `CLAMD_ADDRESS` setting names it: a setting's format (as units.ts is),
// so the config loader reads it without importing the scanner (virus/clamd.ts).
import net from "node:net";

export type ClamdAddress = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

/** What `CLAMD_ADDRESS` accepts, for the config loader's message. */
export const CLAMD_ADDRESS_FORMAT = "host:port, [ipv6]:port or the absolute path of clamd's unix socket";

/** `127.0.0.1:3310`, `clamd.internal:3310`, `[::1]:3310`, `/run/clamav/clamd.ctl` (or `unix:/run/…`).
 * Null when the value is none of these. */
export function parseClamdAddress(value: string): ClamdAddress | null {
  const text = value.trim();
  const socketPath = text.startsWith("unix:") ? text.slice(5) : text;
  if (socketPath.startsWith("/")) return /[\0\s]/.test(socketPath) ? null : { kind: "unix", path: socketPath };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([a-zA-Z0-9.-]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  const host = m[1] ?? m[2]!;
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined && net.isIPv6(host) === false) return null;
  return { kind: "tcp", host, port };
}

export function formatClamdAddress(address: ClamdAddress): string {
  if (address.kind === "unix") return address.path;
  return net.isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
