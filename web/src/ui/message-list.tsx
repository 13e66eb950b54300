// The message list: one row per conversation, virtualized (only the rows in view, plus a margin, are
// in the DOM), so a folder of 10,000 messages scrolls as smoothly as one of ten. Rows have a fixed
// height, so the window is arithmetic; the next page loads when the end comes near.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { setStarred } from "../state/actions.ts";
import { findFolder } from "../state/folders.ts";
import { focusIndex, listError, loadMore, loading, nextCursor, rows, selected, source, toggleSelected, type Row } from "../state/list.ts";
import { shortDate, labels, people, person } from "./format.ts";
import { Highlight } from "./highlight.tsx";

const OVERSCAN = 12;

export function rowHeight(): number {
  return matchMedia("(max-width: 640px)").matches ? 76 : 44;
}

export function MessageList({ onOpen }: { onOpen: (row: Row) => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const scrollTop = useSignal(0);
  const viewport = useSignal(800);
  const height = useSignal(rowHeight());

  useEffect(() => {
    const el = scroller.current!;
    const resize = new ResizeObserver(() => {
      viewport.value = el.clientHeight;
      height.value = rowHeight();
    });
    resize.observe(el);
    return () => resize.disconnect();
  }, []);

  // Keep the keyboard cursor in view.
  const focus = focusIndex.value;
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const top = focus * height.value;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + height.value > el.scrollTop + el.clientHeight) el.scrollTop = top + height.value - el.clientHeight;
  }, [focus]);

  const list = rows.value;
  const h = height.value;
  const first = Math.max(0, Math.floor(scrollTop.value / h) - OVERSCAN);
  const last = Math.min(list.length, Math.ceil((scrollTop.value + viewport.value) / h) + OVERSCAN);

  useEffect(() => {
    if (nextCursor.value && last >= list.length - OVERSCAN * 2) void loadMore();
  }, [last, list.length, nextCursor.value]);

  const s = source.value;
  const folder = s?.kind === "folder" ? findFolder(s.folder ?? "") : undefined;
  const showRecipients = folder?.role === "sent" || folder?.role === "drafts";

  return (
    <div
      class="message-list"
      ref={scroller}
      onScroll={(e) => (scrollTop.value = e.currentTarget.scrollTop)}
      role="region"
      aria-label={s?.kind === "search" ? "Search results" : "Conversations"}
      aria-busy={loading.value}
    >
      {listError.value && <p class="error" role="alert">{listError.value}</p>}
      {!loading.value && !listError.value && list.length === 0 && <p class="empty">{s?.kind === "search" ? "No messages match your search." : "Nothing here."}</p>}
      <ul class="rows" style={{ height: `${list.length * h}px` }} aria-rowcount={list.length}>
        {list.slice(first, last).map((row, i) => {
          const index = first + i;
          return <MessageRow key={row.id} row={row} index={index} top={index * h} focused={index === focus} showRecipients={showRecipients} onOpen={onOpen} />;
        })}
      </ul>
      {loading.value && <p class="loading">Loading…</p>}
    </div>
  );
}

function MessageRow({ row, index, top, focused, showRecipients, onOpen }: { row: Row; index: number; top: number; focused: boolean; showRecipients: boolean; onOpen: (row: Row) => void }) {
  const isSelected = selected.value.has(row.id);
  const who = showRecipients ? `To: ${people(row.to) || "(no recipients)"}` : person(row.from);
  const tags = labels(row.keywords);
  return (
    <li
      class={`row${row.read ? "" : " unread"}${isSelected ? " selected" : ""}${focused ? " focused" : ""}`}
      style={{ transform: `translateY(${top}px)` }}
      aria-posinset={index + 1}
      aria-setsize={rows.value.length}
      aria-current={focused ? "true" : undefined}
      data-id={row.id}
    >
      <input type="checkbox" aria-label={`Select conversation: ${row.subject || "(no subject)"}`} checked={isSelected} onChange={() => toggleSelected(row.id)} />
      <button
        type="button"
        class={`star${row.starred ? " on" : ""}`}
        aria-pressed={row.starred}
        aria-label={row.starred ? "Starred" : "Not starred"}
        onClick={() => void setStarred([row], !row.starred)}
      >
        {row.starred ? "★" : "☆"}
      </button>
      <a
        class="row-link"
        href="#"
        onClick={(e) => {
          e.preventDefault();
          focusIndex.value = index;
          onOpen(row);
        }}
      >
        <span class="who">
          {who}
          {row.threadSize && row.threadSize > 1 ? <span class="thread-size" aria-label={`${row.threadSize} messages`}> {row.threadSize}</span> : null}
        </span>
        <span class="what">
          {!row.read && <span class="visually-hidden">Unread. </span>}
          {tags.map((t) => (
            <span key={t} class="label">
              {t}
            </span>
          ))}
          <span class="subject">{row.subject || "(no subject)"}</span>
          {row.highlight ? (
            <span class="snippet">
              {" — "}
              <Highlight html={row.highlight} />
            </span>
          ) : (
            <span class="snippet"> — {row.snippet}</span>
          )}
        </span>
        {row.hasAttachments && (
          <span class="clip" title="Has attachments" aria-label="Has attachments">
            📎
          </span>
        )}
        <time class="date" dateTime={row.receivedAt} title={new Date(row.receivedAt).toLocaleString()}>
          {shortDate(row.receivedAt)}
        </time>
      </a>
    </li>
  );
}
