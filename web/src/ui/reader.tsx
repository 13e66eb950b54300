// A conversation: every message of the thread, oldest first, the user's own replies from Sent
// included (as Gmail shows them). The opened message and the unread ones are expanded; the others
// show a line and expand on click. Opening marks the conversation read.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Message, MessageSummary, Thread } from "../../../shared/api.ts";
import { api, describeError } from "../api/client.ts";
import { archive, remove, reportSpam, setRead } from "../state/actions.ts";
import { openCompose } from "../state/compose.ts";
import { findFolder } from "../state/folders.ts";
import { rows, updateRows, type Row } from "../state/list.ts";
import { openedMessage } from "../state/opened.ts";
import { onEvent } from "../state/realtime.ts";
import { fullDate, labels, people, person, shortDate } from "./format.ts";
import { navigate, searchPath } from "../state/router.ts";
import { MessageBody } from "./message-body.tsx";

interface Props {
  messageId: string;
  onClose: () => void;
}

export function Reader({ messageId, onClose }: Props) {
  const thread = useSignal<Thread | null>(null);
  const full = useSignal<Record<string, Message>>({});
  const expanded = useSignal<ReadonlySet<string>>(new Set([messageId]));
  const error = useSignal<string | null>(null);

  async function loadMessage(id: string): Promise<Message> {
    const m = full.value[id] ?? (await api<Message>(`/messages/${id}`));
    full.value = { ...full.value, [id]: m };
    return m;
  }

  useEffect(() => {
    let gone = false;
    thread.value = null;
    error.value = null;
    expanded.value = new Set([messageId]);
    (async () => {
      const opened = await loadMessage(messageId);
      const t = await api<Thread>(`/threads/${opened.threadId}`);
      if (gone) return;
      thread.value = t;
      const unread = t.messages.filter((m) => !m.read).map((m) => m.id);
      expanded.value = new Set([messageId, ...unread, t.messages.at(-1)!.id]);
      await Promise.all([...expanded.value].map(loadMessage));
      openedMessage.value = full.value[t.messages.at(-1)!.id] ?? opened;
      if (unread.length) {
        await Promise.all(unread.map((id) => api(`/messages/${id}`, { method: "PATCH", body: { read: true } })));
        updateRows((r) => (r.threadId === t.id ? { ...r, read: true } : r));
      }
    })().catch((e) => {
      if (!gone) error.value = describeError(e);
    });
    const off = onEvent((e) => {
      if (e.type === "message.updated") {
        const d = e.data as { id: string; read: boolean; starred: boolean; folderId: string };
        const m = full.value[d.id];
        if (m) full.value = { ...full.value, [d.id]: { ...m, read: d.read, starred: d.starred, folderId: d.folderId } };
      }
    });
    return () => {
      gone = true;
      openedMessage.value = null;
      off();
    };
  }, [messageId]);

  const t = thread.value;
  const opened = full.value[messageId];
  // Actions on the whole conversation act through its row in the list (or the opened message alone).
  const asRow = (): Row[] => {
    const row = rows.value.find((r) => r.threadId === opened?.threadId);
    return row ? [row] : opened ? [{ ...opened, threadSize: 1 }] : [];
  };
  const folder = opened ? findFolder(opened.folderId) : undefined;

  return (
    <article class="reader" aria-labelledby="reader-subject">
      <div class="toolbar" role="toolbar" aria-label="Conversation actions">
        <button type="button" onClick={onClose} aria-label="Back to the list">
          ←
        </button>
        {folder?.role !== "archive" && (
          <button type="button" onClick={() => void archive(asRow()).then(onClose)}>
            Archive
          </button>
        )}
        {folder?.role === "junk" ? (
          <button type="button" onClick={() => void reportSpam(asRow(), false).then(onClose)}>
            Not spam
          </button>
        ) : (
          <button type="button" onClick={() => void reportSpam(asRow(), true).then(onClose)}>
            Report spam
          </button>
        )}
        <button type="button" onClick={() => void remove(asRow()).then(onClose)}>
          Delete
        </button>
        <button type="button" onClick={() => void setRead(asRow(), false).then(onClose)}>
          Mark unread
        </button>
      </div>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {!t && !error.value && <p class="loading">Loading…</p>}
      {t && (
        <>
          <h1 id="reader-subject" class="subject">
            {t.subject || "(no subject)"}
            {/* A label leads to every message that carries it, as Gmail's do. */}
            {opened &&
              labels(opened.keywords).map((k) => (
                <a
                  key={k}
                  class="label"
                  href={searchPath(`keyword:${k}`)}
                  aria-label={`All messages labelled ${k}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(searchPath(`keyword:${k}`));
                  }}
                >
                  {k}
                </a>
              ))}
          </h1>
          {t.messageCount > t.messages.length && <p class="notice">The {t.messageCount - t.messages.length} oldest messages of this conversation are not shown.</p>}
          <ol class="thread">
            {t.messages.map((s) => (
              <li key={s.id}>
                {expanded.value.has(s.id) && full.value[s.id] ? (
                  <FullMessage message={full.value[s.id]!} />
                ) : (
                  <CollapsedMessage
                    summary={s}
                    onExpand={() => {
                      expanded.value = new Set([...expanded.value, s.id]);
                      void loadMessage(s.id).catch((e) => (error.value = describeError(e)));
                    }}
                  />
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </article>
  );
}

function CollapsedMessage({ summary, onExpand }: { summary: MessageSummary; onExpand: () => void }) {
  return (
    <button type="button" class="collapsed" onClick={onExpand} aria-expanded="false">
      <span class="who">{person(summary.from)}</span>
      <span class="snippet">{summary.snippet}</span>
      <time dateTime={summary.receivedAt}>{shortDate(summary.receivedAt)}</time>
    </button>
  );
}

export function FullMessage({ message: m }: { message: Message }) {
  return (
    <section class="message" aria-label={`Message from ${person(m.from)}`}>
      <header class="message-head">
        <div>
          <strong class="from">{person(m.from)}</strong> {m.from && m.from.name && <span class="address">&lt;{m.from.address}&gt;</span>}
          <div class="recipients">
            to {people(m.to) || "(no recipients)"}
            {m.cc.length > 0 && <> · cc {people(m.cc)}</>}
          </div>
        </div>
        <time dateTime={m.date ?? m.receivedAt} title={fullDate(m.date ?? m.receivedAt)}>
          {shortDate(m.receivedAt)}
        </time>
      </header>
      <MessageBody message={m} />
      <div class="message-actions">
        <button type="button" onClick={() => openCompose({ mode: "reply", message: m })}>
          Reply
        </button>
        <button type="button" onClick={() => openCompose({ mode: "replyAll", message: m })}>
          Reply all
        </button>
        <button type="button" onClick={() => openCompose({ mode: "forward", message: m })}>
          Forward
        </button>
      </div>
    </section>
  );
}
