// Short notices at the bottom of the screen ("Message sent. Undo"), each with an optional action.
import { signal } from "@preact/signals";

export interface Toast {
  id: number;
  text: string;
  kind: "info" | "error";
  action?: { label: string; run: () => void };
  /** ms; 0 keeps it until dismissed. */
  timeout: number;
}

export const toasts = signal<Toast[]>([]);
let next = 1;

export function dismiss(id: number): void {
  toasts.value = toasts.value.filter((t) => t.id !== id);
}

export function toast(text: string, options: Partial<Omit<Toast, "id" | "text">> = {}): number {
  const t: Toast = { id: next++, text, kind: options.kind ?? "info", action: options.action, timeout: options.timeout ?? (options.kind === "error" ? 0 : 6000) };
  toasts.value = [...toasts.value, t];
  if (t.timeout > 0) setTimeout(() => dismiss(t.id), t.timeout);
  return t.id;
}

export const toastError = (text: string) => toast(text, { kind: "error" });
