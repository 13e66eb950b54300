// Pieces every settings form shares: a save that reports "Saving…/Saved/error", the server's error
// shown at the field it names (problem+json `errors`), and a confirmation dialog for what cannot be undone.
import { useSignal, type Signal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { ApiError, describeError } from "../../api/client.ts";

export type SaveState = "idle" | "saving" | "saved" | "error";

export interface Saver {
  state: Signal<SaveState>;
  error: Signal<unknown>;
  /** Runs one save after those before it (two quick changes reach the server in order); the state
   * shows the outcome of the last. True when this one succeeded. */
  run: (work: () => Promise<void>) => Promise<boolean>;
  /** Forgets the last outcome (the user changed something since). */
  reset: () => void;
}

export function useSaver(): Saver {
  const state = useSignal<SaveState>("idle");
  const error = useSignal<unknown>(null);
  const saver = useRef<Saver | null>(null);
  if (!saver.current) {
    let queue: Promise<unknown> = Promise.resolve();
    let latest = 0;
    saver.current = {
      state,
      error,
      run(work) {
        const n = ++latest;
        state.value = "saving";
        error.value = null;
        const done = queue.then(async () => {
          try {
            await work();
            if (n === latest) state.value = "saved";
            return true;
          } catch (e) {
            if (n === latest) {
              error.value = e;
              state.value = "error";
            }
            return false;
          }
        });
        queue = done;
        return done;
      },
      reset() {
        if (state.value !== "saving") state.value = "idle";
        error.value = null;
      },
    };
  }
  return saver.current;
}

/** The message the server gave for exactly this field (or, with `nested`, for anything below it). */
export function fieldMessage(error: unknown, name: string, nested = false): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.problem?.errors?.find((e) => e.field === name || (nested && e.field.startsWith(name + ".")))?.message;
}

/** What to say above the form: the problem's detail, plus any field error no field on screen shows. */
export function formMessage(error: unknown, shown: (field: string) => boolean): string | null {
  if (!error) return null;
  if (!(error instanceof ApiError) || !error.problem?.errors?.length || error.status === 429 || error.status >= 500) return describeError(error);
  const rest = error.problem.errors.filter((e) => !shown(e.field)).map((e) => `${e.field === "(body)" ? "" : `${e.field}: `}${e.message}`);
  const head = error.problem.detail ?? error.problem.title;
  return rest.length ? `${head} ${rest.join("; ")}` : `${head} See the marked fields.`;
}

/** aria attributes tying a control to its error message (rendered by <FieldError id=…/>). */
export function invalid(id: string, message: string | undefined) {
  return message ? { "aria-invalid": true as const, "aria-describedby": `${id}-error` } : {};
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="field-error" id={`${id}-error`}>
      {message}
    </p>
  );
}

/** The outcome of the last save, announced politely; errors in words with what to do. */
export function SaveStatus({ saver, message, savedText = "Saved" }: { saver: Saver; message?: string | null; savedText?: string }) {
  const s = saver.state.value;
  return (
    <span class={`save-status save-${s}`} role="status">
      {s === "saving" ? "Saving…" : s === "saved" ? savedText : s === "error" ? (message ?? describeError(saver.error.value)) : ""}
    </span>
  );
}

/** A modal question ("Revoke this key?"). The native dialog traps focus and closes on Escape; focus
 * starts on Cancel, so a stray Enter does not do the harmful thing. */
export function Confirm(props: { title: string; children: ComponentChildren; confirmLabel: string; danger?: boolean; onConfirm: () => void; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
    cancel.current?.focus();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="confirm-title" onClose={props.onClose}>
      <h2 id="confirm-title">{props.title}</h2>
      <div class="confirm-body">{props.children}</div>
      <div class="confirm-buttons">
        <button type="button" ref={cancel} onClick={() => dialog.current?.close()}>
          Cancel
        </button>
        <button
          type="button"
          class={props.danger ? "danger" : "primary"}
          onClick={() => {
            props.onConfirm();
            dialog.current?.close();
          }}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** A list that loads once: its data, or why it could not be loaded, and a way to load it again. */
export interface Loaded<T> {
  data: Signal<T | null>;
  error: Signal<unknown>;
  reload: () => Promise<void>;
}

export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const data = useSignal<T | null>(null);
  const error = useSignal<unknown>(null);
  const ref = useRef<Loaded<T> | null>(null);
  ref.current ??= {
    data,
    error,
    async reload() {
      error.value = null;
      try {
        data.value = await load();
      } catch (e) {
        error.value = e;
      }
    },
  };
  useEffect(() => {
    void ref.current!.reload();
  }, []);
  return ref.current;
}

/** "Loading…", or the error with a retry button, for a useLoad that has no data yet. */
export function LoadState<T>({ loaded, what }: { loaded: Loaded<T>; what: string }) {
  if (loaded.error.value)
    return (
      <div class="load-error" role="alert">
        <p>
          {what} could not be loaded. {describeError(loaded.error.value)}
        </p>
        <button type="button" onClick={() => void loaded.reload()}>
          Try again
        </button>
      </div>
    );
  return <p class="loading">Loading…</p>;
}
