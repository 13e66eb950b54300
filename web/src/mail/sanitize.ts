// The HTML of a mail, made safe to show in the message frame. DOMPurify (HTML profile only: no SVG or
// MathML, which can carry script) removes scripts, event handlers and javascript: URLs; on top of it
// forms and their controls, meta (refresh), link, base, frames, plugins and media go. Then one walk
// over what is left: links open in a new tab without referrer, images and CSS may only use data:
// URLs, cid: parts the reader resolved, and remote URLs the reader allowed (resolved through the
// edge into data: URLs too). Every remote reference removed is counted: the reader offers to show them.
// The frame's sandbox (no scripts) and the page's CSP are the second and third walls behind this one.
import DOMPurify, { type Config } from "dompurify";
import { normalizeContentId } from "./content-id.ts";
import { cleanDeclarations, cleanStyleSheet, type ResolveUrl } from "./css.ts";

/** Images the reader resolved: a remote URL, or "cid:" + normalized Content-ID → a data: URL. */
export type ImageMap = ReadonlyMap<string, string>;

export interface SanitizedHtml {
  /** A whole document, for the frame's srcdoc. */
  html: string;
  /** Remote references removed (images, backgrounds, CSS url()). */
  blockedRemote: number;
  /** The distinct remote URLs removed: what "Show images" fetches through the edge. */
  remoteUrls: string[];
  /** The Content-IDs the HTML names (cid:…), normalized. */
  contentIds: string[];
}

const purify = DOMPurify();

const config: Config & { RETURN_DOM: true } = {
  WHOLE_DOCUMENT: true,
  RETURN_DOM: true,
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    "form", "input", "button", "select", "option", "optgroup", "textarea", "datalist", "output", "keygen",
    "meta", "link", "base", "iframe", "frame", "frameset", "object", "embed", "applet", "portal",
    "audio", "video", "source", "track", "noscript", "noembed", "noframes", "xmp", "plaintext",
  ],
  FORBID_ATTR: ["ping", "download", "autofocus", "srcdoc", "formaction"],
  ALLOW_DATA_ATTR: false,
};

/** The style the frame starts from; the sender's CSS comes after it and may change it. */
const BASE_STYLE = `:root{color-scheme:light;background:#fff;color:#1c1e21}
body{margin:8px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;overflow-wrap:break-word;word-wrap:break-word}
img{max-width:100%;height:auto}
pre{white-space:pre-wrap}
a[href]{color:#1a56db}`;

const scheme = (url: string) => /^([a-z][a-z\d+.-]*):/i.exec(url)?.[1]?.toLowerCase();

/** Where a link may lead: the web or a mail address. Anything else (javascript:, relative, #) loses it. */
const isWebOrMailLink = (href: string) => /^(?:https?:\/\/|mailto:)/i.test(href.trim());

/** The first URL of a srcset, for an <img> that has no src of its own. */
const firstSrcsetUrl = (srcset: string) => /^\s*([^\s,][^\s]*?),?(?:\s|$)/.exec(srcset)?.[1] ?? null;

export function sanitizeHtml(source: string, images: ImageMap = new Map()): SanitizedHtml {
  let blockedRemote = 0;
  const remote = new Set<string>();
  const contentIds = new Set<string>();

  const resolveImage: ResolveUrl = (raw) => {
    const url = raw.trim().startsWith("//") ? `https:${raw.trim()}` : raw.trim();
    const kind = scheme(url);
    if (kind === "data") return /^data:image\//i.test(url) ? url : null;
    if (kind === "cid") {
      const id = normalizeContentId(url);
      contentIds.add(id);
      return images.get(`cid:${id}`) ?? null;
    }
    if (kind === "http" || kind === "https") {
      const resolved = images.get(url);
      if (resolved) return resolved;
      blockedRemote++;
      remote.add(url);
    }
    return null;
  };

  const root = purify.sanitize(source, config) as HTMLElement;
  const doc = root.ownerDocument;
  // The <html> element itself may carry attributes too.
  const select = <E extends Element = HTMLElement>(selector: string): E[] => [...(root.matches(selector) ? [root as unknown as E] : []), ...root.querySelectorAll<E>(selector)];

  for (const a of select("a, area")) {
    const href = a.getAttribute("href");
    if (href !== null && isWebOrMailLink(href)) {
      a.setAttribute("href", href.trim());
      a.setAttribute("target", "_blank");
      a.setAttribute("rel", "noopener noreferrer");
    } else {
      a.removeAttribute("href");
      a.removeAttribute("target");
    }
  }

  for (const img of select<HTMLImageElement>("img")) {
    const srcset = img.getAttribute("srcset");
    img.removeAttribute("srcset");
    img.removeAttribute("sizes");
    const src = img.getAttribute("src") ?? (srcset ? firstSrcsetUrl(srcset) : null);
    const resolved = src === null ? null : resolveImage(src);
    if (resolved === null) img.removeAttribute("src");
    else img.setAttribute("src", resolved);
  }

  for (const el of select("[background]")) {
    const resolved = resolveImage(el.getAttribute("background")!);
    if (resolved === null) el.removeAttribute("background");
    else el.setAttribute("background", resolved);
  }

  for (const el of select("[style]")) {
    cleanDeclarations(el.style, resolveImage);
    const text = el.style.cssText;
    if (text) el.setAttribute("style", text);
    else el.removeAttribute("style");
  }

  for (const style of select("style")) {
    style.textContent = cleanStyleSheet(style.textContent ?? "", resolveImage);
  }

  const head = root.querySelector("head") ?? root.insertBefore(doc.createElement("head"), root.firstChild);
  const base = doc.createElement("style");
  base.textContent = BASE_STYLE;
  head.prepend(base);

  return { html: `<!doctype html>${root.outerHTML}`, blockedRemote, remoteUrls: [...remote], contentIds: [...contentIds] };
}
