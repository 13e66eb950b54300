// Senders whose remote images the user always wants to see: part of the user's settings on the
// server (GET /settings → remoteContent.trustedSenders, POST /settings/trusted-senders). Loaded
// once per session; when the server cannot tell, nobody is trusted (images stay hidden, the safe side).
import { api } from "../api/client.ts";
import { session } from "../api/session.ts";

interface RemoteContentSettings {
  remoteContent?: { trustedSenders?: string[] };
}

let loaded: { user: string; senders: Promise<Set<string>> } | null = null;

const key = (address: string) => address.trim().toLowerCase();

function senders(): Promise<Set<string>> {
  const user = session.value?.user.address ?? "";
  if (loaded?.user !== user) {
    const senders = api<RemoteContentSettings>("/settings").then(
      (s) => new Set((s.remoteContent?.trustedSenders ?? []).map(key)),
      () => {
        loaded = null;
        return new Set<string>();
      },
    );
    loaded = { user, senders };
  }
  return loaded.senders;
}

export async function isTrustedSender(address: string): Promise<boolean> {
  return (await senders()).has(key(address));
}

/** Remembers the sender on the server; throws (ApiError, NetworkError) when it could not. */
export async function trustSender(address: string): Promise<void> {
  await api("/settings/trusted-senders", { method: "POST", body: { address } });
  (await senders()).add(key(address));
}
