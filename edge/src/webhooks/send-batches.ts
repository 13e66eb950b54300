// Cloudflare Queues take at most 100 messages and 256 KB per sendBatch call; a user's event with many
// webhooks, or long summaries, can need several calls.
const MAX_MESSAGES = 100;
/** Under 256 KB, leaving room for each message's framing. */
const MAX_BYTES = 200 * 1024;

export function sendBatches<T>(bodies: T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = new TextEncoder().encode(JSON.stringify(body)).length;
    if (current.length === MAX_MESSAGES || (current.length > 0 && bytes + size > MAX_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
