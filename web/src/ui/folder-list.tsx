import { folderLabel, sortedFolders } from "../state/folders.ts";
import { mailPath, navigate, route } from "../state/router.ts";

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
    </ul>
  );
}
