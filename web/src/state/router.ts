// The address bar is the state of navigation: /mail/<folder>[/<message>], /search?q=…[&open=<id>],
// /settings/<page>. Links and keyboard shortcuts call navigate(); Back and Forward just work.
import { computed, signal } from "@preact/signals";

export type Route =
  | { view: "mail"; folder: string; messageId: string | null }
  | { view: "search"; query: string; messageId: string | null }
  | { view: "settings"; page: string };

const location = signal(new URL(window.location.href));

addEventListener("popstate", () => {
  location.value = new URL(window.location.href);
});

export function navigate(to: string, replace = false): void {
  const url = new URL(to, window.location.origin);
  if (url.href === window.location.href) return;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  location.value = url;
}

export const route = computed<Route>(() => {
  const url = location.value;
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "search") return { view: "search", query: url.searchParams.get("q") ?? "", messageId: url.searchParams.get("open") };
  if (parts[0] === "settings") return { view: "settings", page: parts[1] ?? "general" };
  return { view: "mail", folder: parts[0] === "mail" && parts[1] ? parts[1] : "inbox", messageId: parts[0] === "mail" ? (parts[2] ?? null) : null };
});

export const mailPath = (folder: string, messageId?: string | null) => `/mail/${encodeURIComponent(folder)}${messageId ? `/${messageId}` : ""}`;
export const searchPath = (query: string, messageId?: string | null) => `/search?q=${encodeURIComponent(query)}${messageId ? `&open=${messageId}` : ""}`;
