// Address suggestions from the people the user mails (GET /contacts?q=…&limit=8). A service without
// the route (404) just gives none: the field works as a plain address field then.
import { api, ApiError } from "../api/client.ts";

export interface Contact {
  address: string;
  name: string;
  timesMailed: number;
  lastMailedAt: string | null;
}

let unavailable = false;

export async function suggest(prefix: string, signal: AbortSignal): Promise<Contact[]> {
  const q = prefix.trim();
  if (unavailable || q.length === 0) return [];
  try {
    const answer = await api<{ contacts: Contact[] }>(`/contacts?${new URLSearchParams({ q, limit: "8" })}`, { signal });
    return answer.contacts ?? [];
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 501)) unavailable = true;
    return [];
  }
}
