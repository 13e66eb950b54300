// Gmail's keyboard shortcuts. One table, which the help overlay (?) lists. Keys typed into a field
// are the field's, except Escape.
import { archive, remove, reportSpam, setRead, setStarred } from "../state/actions.ts";
import { openCompose } from "../state/compose.ts";
import { focusIndex, focusedRow, rows, toggleSelected, type Row } from "../state/list.ts";
import { openedMessage } from "../state/opened.ts";
import { mailPath, navigate, route } from "../state/router.ts";

export interface Shortcut {
  keys: string;
  what: string;
}

export const shortcutList: Shortcut[] = [
  { keys: "j / k", what: "Next / previous conversation" },
  { keys: "o or Enter", what: "Open the conversation" },
  { keys: "u", what: "Back to the list" },
  { keys: "x", what: "Select the conversation" },
  { keys: "c", what: "Compose" },
  { keys: "r", what: "Reply" },
  { keys: "a", what: "Reply all" },
  { keys: "f", what: "Forward" },
  { keys: "e", what: "Archive" },
  { keys: "#", what: "Delete" },
  { keys: "s", what: "Star or unstar" },
  { keys: "!", what: "Report spam" },
  { keys: "Shift+I / Shift+U", what: "Mark read / unread" },
  { keys: "/", what: "Search" },
  { keys: "g then i", what: "Go to the inbox" },
  { keys: "?", what: "Show these shortcuts" },
];

export interface ShortcutContext {
  open(row: Row): void;
  close(): void;
  toggleHelp(): void;
  focusSearch(): void;
}

let pendingG = 0;

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

export function handleShortcut(e: KeyboardEvent, ctx: ShortcutContext): void {
  if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
  const r = route.value;
  const reading = (r.view === "mail" || r.view === "search") && r.messageId !== null;
  const row = focusedRow.value;
  const current = (): Row[] => (row ? [row] : []);
  const key = e.key;
  if (pendingG && Date.now() - pendingG < 1500) {
    pendingG = 0;
    if (key === "i") {
      e.preventDefault();
      navigate(mailPath("inbox"));
    }
    return;
  }
  const move = (delta: number) => {
    const next = Math.min(rows.value.length - 1, Math.max(0, focusIndex.value + delta));
    focusIndex.value = next;
    if (reading && rows.value[next]) ctx.open(rows.value[next]!);
  };
  const act: Record<string, () => void> = {
    j: () => move(1),
    k: () => move(-1),
    o: () => row && ctx.open(row),
    Enter: () => !reading && row && ctx.open(row),
    u: () => ctx.close(),
    x: () => row && toggleSelected(row.id),
    c: () => openCompose({ mode: "new" }),
    r: () => openedMessage.value && openCompose({ mode: "reply", message: openedMessage.value }),
    a: () => openedMessage.value && openCompose({ mode: "replyAll", message: openedMessage.value }),
    f: () => openedMessage.value && openCompose({ mode: "forward", message: openedMessage.value }),
    e: () => void archive(current()).then(() => reading && ctx.close()),
    "#": () => void remove(current()).then(() => reading && ctx.close()),
    s: () => row && void setStarred([row], !row.starred),
    "!": () => void reportSpam(current(), true).then(() => reading && ctx.close()),
    I: () => void setRead(current(), true),
    U: () => void setRead(current(), false),
    "/": () => ctx.focusSearch(),
    "?": () => ctx.toggleHelp(),
    g: () => (pendingG = Date.now()),
  };
  const run = act[key];
  if (!run) return;
  // Enter on a focused button or link is that control's.
  if (key === "Enter" && (e.target as HTMLElement).closest?.("button, a, input")) return;
  e.preventDefault();
  run();
}
