// The webmail, built into static assets that the edge worker serves (wrangler.toml [assets]).
// Hashed file names under /assets/ are cached for a year (public/_headers); index.html is not.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // No inline <script> or data: module: the CSP allows scripts from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: {
    // `vite dev` for working on the UI: the API is the edge that `npm start` runs.
    proxy: { "/api": { target: "http://127.0.0.1:8787", ws: true } },
  },
});
