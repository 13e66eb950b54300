// Senders whose remote images the user always wants to see: part of the user's settings on the
// server (state/settings.ts). When the server cannot tell, nobody is trusted (images stay hidden, the
// safe side).
import { loadSettings, trustSender as trust } from "../state/settings.ts";

const key = (address: string) => address.trim().toLowerCase();

export async function isTrustedSender(address: string): Promise<boolean> {
  const s = await loadSettings().catch(() => null);
  return !!s?.remoteContent.trustedSenders.some((t) => key(t) === key(address));
}

/** Remembers the sender on the server; throws (ApiError, NetworkError) when it could not. */
export async function trustSender(address: string): Promise<void> {
  await trust(address);
}
