// Preferences of this browser that apply before the server's settings arrive (the theme must not
// flash). The service keeps the user's settings too (GET /settings); what it says wins once loaded.
import { effect, signal } from "@preact/signals";

export type Theme = "system" | "light" | "dark";
export const theme = signal<Theme>((localStorage.getItem("edgemail.theme") as Theme | null) ?? "system");
effect(() => localStorage.setItem("edgemail.theme", theme.value));
