// CSS of mail, cleaned so that it can fetch nothing the reader has not allowed. The browser parses it
// (CSSOM), so what is checked here is what the frame will see: escapes are resolved, every url() is
// serialized as url("…"), @import is dropped by replaceSync. Each url() goes through `resolve`, which
// answers the URL to use instead or null to drop the declaration. Anything this code does not
// understand (unparsed var() values, unknown at-rules) is dropped rather than guessed at.

/** The URL to put in place of `url`, or null to drop the declaration that names it. */
export type ResolveUrl = (url: string) => string | null;

const URL_TOKEN = /url\(\s*"((?:[^"\\]|\\[^])*)"\s*\)/gi;
const STRING = /"(?:[^"\\]|\\[^])*"|'(?:[^'\\]|\\[^])*'/g;
// What may still fetch once the url("…") tokens are gone: a raw url(, other image functions, escapes.
const RESIDUAL_FETCH = /\\|url\s*\(|(?:^|[^-\w])(?:src|image|element)\s*\(/i;
// A value the browser keeps as raw text (resolved only at use) cannot be checked here.
const UNPARSED = /\b(?:var|env|attr)\s*\(/i;
const MENTIONS_RESOURCE = /url|image|src|\\/i;

function unescapeCss(s: string): string {
  return s.replace(/\\(?:([0-9a-f]{1,6})\s?|([^]))/gi, (_, hex: string | undefined, ch: string | undefined) =>
    hex ? String.fromCodePoint(Math.min(parseInt(hex, 16), 0x10ffff) || 0xfffd) : (ch ?? ""),
  );
}

const escapeCssString = (s: string) => s.replace(/[\\"]/g, "\\$&").replace(/[\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `);

/** The value with its URLs resolved, or null when the declaration must go. */
export function cleanValue(name: string, value: string, resolve: ResolveUrl): string | null {
  if (name.startsWith("--") || UNPARSED.test(value)) return MENTIONS_RESOURCE.test(value) ? null : value;
  let blocked = false;
  const out = value.replace(URL_TOKEN, (_, raw: string) => {
    const url = resolve(unescapeCss(raw));
    if (url === null) blocked = true;
    return url === null ? "" : `url("${escapeCssString(url)}")`;
  });
  if (blocked) return null;
  return RESIDUAL_FETCH.test(out.replace(URL_TOKEN, "").replace(STRING, "")) ? null : out;
}

/** Cleans a declaration block in place (a rule's or an element's style). */
export function cleanDeclarations(style: CSSStyleDeclaration, resolve: ResolveUrl): void {
  const names = Array.from({ length: style.length }, (_, i) => style.item(i));
  for (const name of names) {
    const value = style.getPropertyValue(name);
    const clean = cleanValue(name, value, resolve);
    if (clean === null) style.removeProperty(name);
    else if (clean !== value) style.setProperty(name, clean, style.getPropertyPriority(name));
  }
}

// Fonts are not fetched through the edge: only embedded (data:) fonts stay.
const embeddedOnly: ResolveUrl = (url) => (/^data:/i.test(url.trim()) ? url : null);

function cleanRules(list: CSSRuleList, resolve: ResolveUrl): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const rule = list[i]!;
    const style = (rule as Partial<CSSStyleRule>).style;
    const children = (rule as Partial<CSSGroupingRule>).cssRules;
    // Rules with neither declarations nor nested rules (@import, @property, @counter-style …) can name
    // resources in ways not checked here, and mail does not need them.
    if (!style && !children) {
      if (rule.parentRule) (rule.parentRule as CSSGroupingRule).deleteRule(i);
      else rule.parentStyleSheet?.deleteRule(i);
      continue;
    }
    if (style) cleanDeclarations(style, rule instanceof CSSFontFaceRule ? embeddedOnly : resolve);
    if (children) cleanRules(children, resolve);
  }
}

/** A <style> element's text, cleaned; `</` is escaped (the same in CSS) so it cannot end its element. */
export function cleanStyleSheet(text: string, resolve: ResolveUrl): string {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(text);
  cleanRules(sheet.cssRules, resolve);
  return Array.from(sheet.cssRules, (r) => r.cssText)
    .join("\n")
    .replace(/<\//g, "<\\2f ");
}
