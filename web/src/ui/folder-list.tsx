import { folderLabel, sortedFolders } from "../state/folders.ts";
import { sidebarLabels } from "../state/keywords.ts";
import { mailPath, navigate, route, searchPath } from "../state/router.ts";

export function FolderList({ onPick }: { onPick?: () => void }) {
  const r = route.value;
  const current = r.view === "mail" ? r.folder : null;
  return (
    <ul class="folders">
      {sortedFolders.value.map((f) => {
        const active = current === f.id || current === f.role;
        const ref = f.role ?? f.id;
        const label = folderLabel(f);
        return (
          <li key={f.id}>
            <a
              href={mailPath(ref)}
              class={active ? "active" : undefined}
              aria-current={active ? "page" : undefined}
              aria-label={f.unread ? `${label}, ${f.unread} unread` : label}
              onClick={(e) => {
                e.preventDefault();
                navigate(mailPath(ref));
                onPick?.();
              }}
            >
              <span class="folder-name">{label}</span>
              {f.unread > 0 && f.role !== "sent" && f.role !== "trash" && <span class="count">{f.unread}</span>}
            </a>
          </li>
        );
      })}
      {sidebarLabels.value.length > 0 && (
        <li class="labels-heading" aria-hidden="true">
          Labels
        </li>
      )}
      {sidebarLabels.value.map((k) => {
        const to = searchPath(`keyword:${k.keyword}`);
        const active = r.view === "search" && r.query === `keyword:${k.keyword}`;
        return (
          <li key={`label:${k.keyword}`}>
            <a
              href={to}
              class={active ? "active" : undefined}
              aria-current={active ? "page" : undefined}
              aria-label={k.unread ? `Label ${k.keyword}, ${k.unread} unread` : `Label ${k.keyword}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(to);
                onPick?.();
              }}
            >
              <span class="folder-name">{k.keyword}</span>
              {k.unread > 0 && <span class="count">{k.unread}</span>}
            </a>
          </li>
        );
      })}
    </ul>
  );
}
