// Waits for something a test cannot be told of directly (mail filed, delivered, bounced): polls
// `check` until it gives a value (anything but undefined, null or false), or fails naming `what`.
export async function until<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
