// Actions on the ticked conversations (or, with none ticked, nothing to do): archive, spam, delete,
// read/unread, move. Every button has a name a screen reader says and a keyboard shortcut (help: ?).
import { archive, moveTo, remove, reportSpam, setRead, targetsFor } from "../state/actions.ts";
import { findFolder, folderLabel, sortedFolders } from "../state/folders.ts";
import { reload, rows, selected, source } from "../state/list.ts";

export function ListToolbar() {
  const ids = selected.value;
  const all = rows.value.length > 0 && ids.size === rows.value.length;
  const s = source.value;
  const here = s?.kind === "folder" ? findFolder(s.folder ?? "") : undefined;
  const none = ids.size === 0;
  const targets = () => targetsFor();
  return (
    <div class="toolbar" role="toolbar" aria-label="Conversation actions">
      <input
        type="checkbox"
        aria-label={all ? "Deselect all" : "Select all loaded conversations"}
        checked={all}
        onChange={() => (selected.value = all ? new Set() : new Set(rows.value.map((r) => r.id)))}
      />
      <button type="button" onClick={() => void reload()} aria-label="Refresh">
        ⟳
      </button>
      {!none && (
        <>
          {here?.role !== "archive" && (
            <button type="button" onClick={() => void archive(targets())}>
              Archive
            </button>
          )}
          {here?.role === "junk" ? (
            <button type="button" onClick={() => void reportSpam(targets(), false)}>
              Not spam
            </button>
          ) : (
            <button type="button" onClick={() => void reportSpam(targets(), true)}>
              Report spam
            </button>
          )}
          <button type="button" onClick={() => void remove(targets())}>
            {here?.role === "trash" ? "Delete forever" : "Delete"}
          </button>
          <button type="button" onClick={() => void setRead(targets(), true)}>
            Mark read
          </button>
          <button type="button" onClick={() => void setRead(targets(), false)}>
            Mark unread
          </button>
          <label class="move">
            <span class="visually-hidden">Move to folder</span>
            <select
              onChange={(e) => {
                const to = e.currentTarget.value;
                e.currentTarget.value = "";
                if (to) void moveTo(targets(), to);
              }}
            >
              <option value="">Move to…</option>
              {sortedFolders.value
                .filter((f) => f.id !== here?.id && f.role !== "drafts" && f.role !== "sent")
                .map((f) => (
                  <option key={f.id} value={f.id}>
                    {folderLabel(f)}
                  </option>
                ))}
            </select>
          </label>
          <span class="selection-count">{ids.size} selected</span>
        </>
      )}
    </div>
  );
}
