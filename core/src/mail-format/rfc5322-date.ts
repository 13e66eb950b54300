// The date-time of RFC 5322 §3.3 as every header we write carries it (Date, Received, a DSN's
// Arrival-Date): UTC with a numeric zone, since "GMT" is obsolete syntax there.
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, "+0000");
}
