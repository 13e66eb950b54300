// The reference page's rendering: all text escaped, nothing loaded from elsewhere.
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "./document.ts";
import { esc, markdown, renderDocsPage } from "./docs-page.ts";

describe("the reference page", () => {
  it("escapes text, in plain and in markdown", () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe("&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;");
    const html = markdown("## <b>Title</b>\n\n- `<script>alert(1)</script>` and **<i>bold</i>**\n\nSee <img src=x onerror=alert(1)>.");
    expect(html).not.toMatch(/<(script|img|b>|i>)/);
    expect(html).toContain("<h3>&#60;b&#62;Title&#60;/b&#62;</h3>");
    expect(html).toContain("<code>&#60;script&#62;alert(1)&#60;/script&#62;</code>");
    expect(html).toContain("<strong>&#60;i&#62;bold&#60;/i&#62;</strong>");
  });

  it("has no scripts and loads nothing from elsewhere", () => {
    const html = renderDocsPage(buildOpenApiDocument());
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    const targets = [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(50);
    expect(targets.filter((t) => !t.startsWith("#") && t !== "/api/v1/openapi.json")).toEqual([]);
  });

  it("links every schema it names to a section of the page", () => {
    const html = renderDocsPage(buildOpenApiDocument());
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    const anchors = [...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(anchors.filter((a) => !ids.has(a))).toEqual([]);
  });
});
