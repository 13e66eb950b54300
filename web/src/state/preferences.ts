// Preferences of this browser that apply before the server's settings arrive (the theme must not
// flash). The service keeps the user's settings too (GET /settings); what it says wins once loaded.
import { effect, signal } from "@preact/signals";

export type Theme = "system" | "light" | "dark";
export const theme = signal<Theme>((localStorage.getItem("edgemail.theme") as Theme | null) ?? "system");
effect(() => localStorage.setItem("edgemail.theme", theme.value));

// The theme on the page: the user's choice, or the device's colour scheme (followed as it changes).
// Set before the first render, so a dark device never sees a light flash.
const darkDevice = matchMedia("(prefers-color-scheme: dark)");
const device = signal(darkDevice.matches);
darkDevice.addEventListener("change", (e) => (device.value = e.matches));
effect(() => {
  document.documentElement.dataset.theme = theme.value === "system" ? (device.value ? "dark" : "light") : theme.value;
});
