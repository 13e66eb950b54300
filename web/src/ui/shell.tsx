// The signed-in screen: a top bar (menu, search, account), the folder sidebar, and the main pane —
// a list, a conversation, search results or settings, as the address bar says. On a phone-sized
// screen the sidebar is a drawer and the conversation replaces the list.
import { useSignal } from "@preact/signals";
import { lazy, Suspense } from "preact/compat";
import { useEffect, useRef } from "preact/hooks";
import type { Message } from "../../../shared/api.ts";
import { api, call, describeError } from "../api/client.ts";
import { endSession, session } from "../api/session.ts";
import { openCompose } from "../state/compose.ts";
import { findFolder, folderLabel, inboxUnread, loadFolders } from "../state/folders.ts";
import { loadKeywords } from "../state/keywords.ts";
import { show, type Row } from "../state/list.ts";
import { startRealtime, stopRealtime, transport } from "../state/realtime.ts";
import { loadSettings } from "../state/settings.ts";
import { mailPath, navigate, route, searchPath } from "../state/router.ts";
import { toastError } from "../state/toasts.ts";
import { ComposeHost } from "./compose.tsx";
import { FolderList } from "./folder-list.tsx";
import { Help } from "./help.tsx";
import { ListToolbar } from "./list-toolbar.tsx";
import { MessageList } from "./message-list.tsx";
import { Reader } from "./reader.tsx";
import { handleShortcut } from "./shortcuts.ts";

// Settings are not needed for the first screen: their code loads when opened.
const SettingsPage = lazy(() => import("./settings/settings-page.tsx"));

async function signOut(): Promise<void> {
  try {
    await call("/auth/logout", { method: "POST" });
  } catch {
    // Signed out here whatever the server said; the token expires anyway.
  }
  endSession();
}

export function Shell() {
  const r = route.value;
  const drawer = useSignal(false);
  const help = useSignal(false);
  const search = useRef<HTMLInputElement>(null);
  const query = useSignal(r.view === "search" ? r.query : "");

  useEffect(() => {
    loadFolders().catch((e) => toastError(`The folders could not be loaded: ${describeError(e)}`));
    loadKeywords().catch(() => undefined);
    // The theme and undo window the user chose on any device; the defaults serve until they arrive.
    loadSettings().catch(() => undefined);
    startRealtime();
    return stopRealtime;
  }, []);

  // What the list shows follows the address bar.
  const listKey = r.view === "mail" ? `folder:${r.folder}` : r.view === "search" ? `search:${r.query}` : null;
  useEffect(() => {
    if (r.view === "mail") void show({ key: `folder:${r.folder}`, kind: "folder", folder: r.folder });
    else if (r.view === "search" && r.query) void show({ key: `search:${r.query}`, kind: "search", query: r.query });
  }, [listKey]);
  useEffect(() => {
    if (r.view === "search") query.value = r.query;
  }, [r.view === "search" ? r.query : null]);

  // The tab's title: the unread count of the inbox, as Gmail shows it.
  const unread = inboxUnread.value;
  const here = r.view === "mail" ? findFolder(r.folder) : undefined;
  useEffect(() => {
    const place = r.view === "search" ? `Search: ${r.query}` : r.view === "settings" ? "Settings" : here ? folderLabel(here) : "Mail";
    document.title = `${unread > 0 ? `(${unread}) ` : ""}${place} — ${session.value?.user.address ?? "edgemail"}`;
  }, [unread, r, here?.id]);

  const openConversation = (row: Row) => navigate(r.view === "search" ? searchPath(r.query, row.id) : mailPath(r.view === "mail" ? r.folder : "inbox", row.id));
  // A draft opens in the composer, to go on writing it, as in every mail app.
  const open = (row: Row) => {
    if (r.view === "mail" && findFolder(r.folder)?.role === "drafts") {
      api<Message>(`/messages/${row.id}`)
        .then((draft) => openCompose({ mode: "new", draft }))
        .catch((e) => toastError(`The draft could not be opened: ${describeError(e)}`));
      return;
    }
    openConversation(row);
  };
  const close = () => navigate(r.view === "search" ? searchPath(r.query) : mailPath(r.view === "mail" ? r.folder : "inbox"));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) =>
      handleShortcut(e, {
        open,
        close,
        toggleHelp: () => (help.value = !help.value),
        focusSearch: () => search.current?.focus(),
      });
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });

  const messageId = r.view === "mail" || r.view === "search" ? r.messageId : null;
  const live = transport.value;

  return (
    <div class={`shell${drawer.value ? " drawer-open" : ""}${messageId ? " reading" : ""}`}>
      <a class="skip-link" href="#main">
        Skip to the messages
      </a>
      <header class="topbar">
        <button type="button" class="icon menu-button" aria-label="Folders" aria-expanded={drawer.value} onClick={() => (drawer.value = !drawer.value)}>
          ☰
        </button>
        <a class="brand" href={mailPath("inbox")} onClick={(e) => (e.preventDefault(), navigate(mailPath("inbox")))}>
          edgemail
        </a>
        <form
          role="search"
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            const q = query.value.trim();
            if (q) navigate(searchPath(q));
            search.current?.blur();
          }}
        >
          <label for="search-input" class="visually-hidden">
            Search mail
          </label>
          <input
            id="search-input"
            ref={search}
            type="search"
            placeholder="Search mail (from:, subject:, has:attachment …)"
            value={query.value}
            onInput={(e) => (query.value = e.currentTarget.value)}
            onKeyDown={(e) => e.key === "Escape" && e.currentTarget.blur()}
          />
        </form>
        <span class={`live live-${live}`} title={live === "offline" ? "Not connected: changes appear when the connection is back" : `Live updates (${live})`} aria-label={`Live updates: ${live}`} />
        <a class="settings-link" href="/settings/general" onClick={(e) => (e.preventDefault(), navigate("/settings/general"))}>
          Settings
        </a>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav class="sidebar" aria-label="Folders">
        <button type="button" class="primary compose-button" onClick={() => (openCompose({ mode: "new" }), (drawer.value = false))}>
          Compose
        </button>
        <FolderList onPick={() => (drawer.value = false)} />
        <a class="drawer-settings" href="/settings/general" onClick={(e) => (e.preventDefault(), navigate("/settings/general"), (drawer.value = false))}>
          Settings
        </a>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        {r.view === "settings" ? (
          <Suspense fallback={<p class="loading">Loading…</p>}>
            <SettingsPage page={r.page} />
          </Suspense>
        ) : (
          <>
            <section class="list-pane" aria-label="Message list" hidden={!!messageId}>
              <ListToolbar />
              {r.view === "search" && !r.query ? <p class="empty">Type what to search for.</p> : <MessageList onOpen={open} />}
            </section>
            {messageId && <Reader key={messageId} messageId={messageId} onClose={close} />}
          </>
        )}
      </main>
      <ComposeHost />
      {help.value && <Help onClose={() => (help.value = false)} />}
    </div>
  );
}
