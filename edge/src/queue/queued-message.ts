// One message of a queue batch as the consumers see it: Cloudflare's Message reduced to what they
// use, so a consumer runs on any runtime (and under Node in tests) without the Workers types.
export interface QueuedMessage<T> {
  body: T;
  attempts: number;
  ack(): void;
  retry(delaySeconds: number): void;
}
