// Drafts saved as the user types: 1.5 s after the last change, PUT /drafts/{id} with the fields a send
// would have. Offline, the copy on this device is what counts (the status says so) and the save is
// tried again when the network is back.
import { effect, signal } from "@preact/signals";
import { api, ApiError, describeError, NetworkError } from "../api/client.ts";
import type { Draft } from "./draft.ts";

export type SaveState = { kind: "idle" } | { kind: "saving" } | { kind: "saved"; at: number } | { kind: "offline" } | { kind: "error"; message: string };

const DEBOUNCE_MS = 1500;
const RETRY_MS = 15_000;

export class Autosave {
  readonly state = signal<SaveState>({ kind: "idle" });
  private timer: ReturnType<typeof setTimeout> | undefined;
  private saved = "";
  private running: Promise<void> | null = null;
  private stopped = false;
  private stopWatching: () => void;
  private onOnline = () => this.state.value.kind === "offline" && void this.flush();

  private readonly draft: Draft;

  constructor(draft: Draft) {
    this.draft = draft;
    this.stopWatching = effect(() => {
      const body = JSON.stringify(draft.request(false));
      if (!draft.touched || body === this.saved || this.stopped) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.flush(), DEBOUNCE_MS);
    });
    addEventListener("online", this.onOnline);
  }

  /** Saves now if anything changed since the last save; resolves when saved (or failed: see state). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    if (this.running) await this.running;
    const body = this.draft.request(false);
    const json = JSON.stringify(body);
    if (this.stopped || !this.draft.touched || json === this.saved) return;
    this.state.value = { kind: "saving" };
    this.running = (async () => {
      try {
        await api(`/drafts/${this.draft.id}`, { method: "PUT", body });
        this.saved = json;
        this.state.value = { kind: "saved", at: Date.now() };
      } catch (e) {
        if (e instanceof NetworkError || (e instanceof ApiError && e.status >= 500)) {
          this.state.value = { kind: "offline" };
          this.timer = setTimeout(() => void this.flush(), RETRY_MS);
        } else if (e instanceof ApiError && e.status === 401) {
          this.state.value = { kind: "offline" };
        } else {
          this.state.value = { kind: "error", message: describeError(e) };
        }
      } finally {
        this.running = null;
      }
    })();
    await this.running;
  }

  /** The server's copy matches what is on screen. */
  get upToDate(): boolean {
    return this.saved === JSON.stringify(this.draft.request(false));
  }

  /** No more saves (sent, or discarded); `resume` after an Undo. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  resume(): void {
    this.stopped = false;
    this.saved = "";
    void this.flush();
  }

  dispose(): void {
    this.stop();
    this.stopWatching();
    removeEventListener("online", this.onOnline);
  }
}

const savers = new Map<string, Autosave>();

export function autosaveFor(draft: Draft): Autosave {
  let s = savers.get(draft.id);
  if (!s) savers.set(draft.id, (s = new Autosave(draft)));
  return s;
}

export function dropAutosave(id: string): void {
  savers.get(id)?.dispose();
  savers.delete(id);
}
