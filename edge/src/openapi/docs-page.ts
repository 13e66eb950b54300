// The API reference as one self-contained HTML page, rendered on the server from the OpenAPI document
// itself (so the two cannot disagree): no scripts, fonts or anything fetched, so it works offline and
// under a CSP of `default-src 'none'`. Every piece of text goes through esc().
import type { OpenApiDocument } from "./document.ts";
import type { JsonSchema } from "./schemas.ts";

type Html = string;
type Schema = JsonSchema;

export function esc(text: unknown): Html {
  return String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The markdown subset the document's prose uses (description.ts): headings, lists, paragraphs, `code`, **bold**. */
export function markdown(text: string): Html {
  const inline = (line: string) =>
    esc(line)
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
  const out: string[] = [];
  for (const block of text.split(/\n{2,}/)) {
    const lines = block.split("\n");
    if (lines.every((l) => l.startsWith("- "))) out.push(`<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join("")}</ul>`);
    else if (block.startsWith("## ")) out.push(`<h3>${inline(block.slice(3))}</h3>`);
    else out.push(`<p>${lines.map(inline).join(" ")}</p>`);
  }
  return out.join("\n");
}

const refName = (ref: string) => ref.split("/").pop()!;
const anchor = (kind: string, name: string) => `${kind}-${name.replace(/[^\w.-]/g, "_")}`;
const schemaLink = (name: string) => `<a href="#${anchor("schema", name)}">${esc(name)}</a>`;

/** A schema in one line: a link to a component, or its type with constraints. */
export function typeLabel(s: Schema | undefined): Html {
  if (!s || Object.keys(s).length === 0) return "any";
  if (typeof s.$ref === "string") return schemaLink(refName(s.$ref));
  const union = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (union) return union.map(typeLabel).join(" | ");
  if (s.const !== undefined) return `<code>${esc(JSON.stringify(s.const))}</code>`;
  if (Array.isArray(s.enum)) return s.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(" | ");
  const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];
  const label = types
    .map((t) => (t === "array" ? `array of ${typeLabel(s.items as Schema | undefined)}` : t === "object" && s.properties ? "object (below)" : esc(t)))
    .join(" | ");
  return [label || "any", constraints(s)].filter(Boolean).join(" ");
}

function constraints(s: Schema): Html {
  const parts: string[] = [];
  if (s.format) parts.push(`format ${esc(s.format)}`);
  if (s.minimum !== undefined) parts.push(`≥ ${esc(s.minimum)}`);
  if (s.maximum !== undefined) parts.push(`≤ ${esc(s.maximum)}`);
  if (s.minLength !== undefined) parts.push(`min length ${esc(s.minLength)}`);
  if (s.maxLength !== undefined) parts.push(`max length ${esc(s.maxLength)}`);
  if (s.minItems !== undefined) parts.push(`min ${esc(s.minItems)} items`);
  if (s.maxItems !== undefined) parts.push(`max ${esc(s.maxItems)} items`);
  if (s.pattern !== undefined) parts.push(`pattern <code>${esc(s.pattern)}</code>`);
  if (s.default !== undefined) parts.push(`default <code>${esc(JSON.stringify(s.default))}</code>`);
  if (s.additionalProperties === false) parts.push("no other fields");
  return parts.length ? `<span class="c">(${parts.join(", ")})</span>` : "";
}

/** An object's fields as a table, nested objects inside their row; anything else as its one-line type. */
export function schemaBlock(s: Schema, depth = 0): Html {
  const description = typeof s.description === "string" ? `<p>${markdown(s.description)}</p>` : "";
  const properties = s.properties as Record<string, Schema> | undefined;
  if (!properties || depth > 4) return `${description}<p class="t">${typeLabel(s)}</p>`;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties).map(([name, p]) => {
    const inner = p.properties ? schemaBlock(p, depth + 1) : "";
    const items = p.items as Schema | undefined;
    const innerItems = items?.properties ? schemaBlock(items, depth + 1) : "";
    const text = typeof p.description === "string" ? markdown(p.description) : "";
    return `<tr><td><code>${esc(name)}</code>${required.has(name) ? "" : ' <span class="c">optional</span>'}</td><td>${typeLabel(p)}</td><td>${text}${inner}${innerItems}</td></tr>`;
  });
  return `${description}${s.additionalProperties === false ? '<p class="c">No other fields are accepted.</p>' : ""}<table><tr><th>field</th><th>type</th><th>about</th></tr>${rows.join("")}</table>`;
}

function content(c: Record<string, { schema?: Schema }> | undefined): Html {
  if (!c) return "";
  return Object.entries(c)
    .map(([type, media]) => `<p><code>${esc(type)}</code>: ${media.schema ? typeLabel(media.schema) : "bytes"}</p>`)
    .join("");
}

function resolveResponse(doc: OpenApiDocument, r: Schema): Schema {
  const responses = (doc.components as { responses: Record<string, Schema> }).responses;
  return typeof r.$ref === "string" ? { ...responses[refName(r.$ref)]!, problemRef: refName(r.$ref) } : r;
}

function headers(doc: OpenApiDocument, h: Record<string, Schema> | undefined): Html {
  if (!h) return "";
  const named = (doc.components as { headers: Record<string, Schema> }).headers;
  return `<ul class="h">${Object.entries(h)
    .map(([name, header]) => {
      const resolved = typeof header.$ref === "string" ? named[refName(header.$ref)]! : header;
      return `<li>header <code>${esc(name)}</code>: ${markdown(String(resolved.description ?? "")).replace(/^<p>|<\/p>$/g, "")}</li>`;
    })
    .join("")}</ul>`;
}

function operationSection(doc: OpenApiDocument, method: string, path: string, op: Schema, auth = authOf(op)): Html {
  const params = (op.parameters as Schema[] | undefined) ?? [];
  const body = op.requestBody as { required?: boolean; description?: string; content: Record<string, { schema?: Schema }> } | undefined;
  // The description's own "**Authentication:**" paragraph (for readers of the JSON) is the Auth line here.
  const description = String(op.description ?? "")
    .split("\n\n")
    .filter((p) => !p.startsWith("**Authentication:**"))
    .join("\n\n");
  const responses = Object.entries(op.responses as Record<string, Schema>).map(([status, raw]) => {
    const r = resolveResponse(doc, raw);
    const problem = typeof r.problemRef === "string" ? ` <span class="c">(problem, see <a href="#${anchor("problem", r.problemRef)}">${esc(r.problemRef)}</a>)</span>` : "";
    return `<tr><td><code>${esc(status)}</code></td><td>${markdown(String(r.description ?? ""))}${problem}${problem ? "" : headers(doc, r.headers as Record<string, Schema> | undefined)}${problem ? "" : content(r.content as Record<string, { schema?: Schema }> | undefined)}</td></tr>`;
  });
  return `<section class="op" id="${anchor("op", String(op.operationId))}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p class="s">${esc(op.summary)} <span class="c">— ${esc(op.operationId)}</span></p>
${markdown(description)}
<p><strong>Auth:</strong> ${auth}</p>
${params.length ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>about</th></tr>${params.map((p) => `<tr><td><code>${esc(p.name)}</code>${p.required ? "" : ' <span class="c">optional</span>'}</td><td>${esc(p.in)}</td><td>${typeLabel(p.schema as Schema)}</td><td>${markdown(String(p.description ?? ""))}</td></tr>`).join("")}</table>` : ""}
${body ? `<h4>Request body${body.required ? "" : " (optional)"}</h4>${body.description ? markdown(body.description) : ""}${content(body.content)}` : ""}
<h4>Responses</h4><table><tr><th>status</th><th>answer</th></tr>${responses.join("")}</table>
</section>`;
}

function authOf(op: Schema): Html {
  const scope = op["x-api-key-scope"];
  if (scope === undefined) return "none";
  if (scope === null) return "bearer token of a password session only (API keys get 403)";
  return `bearer token of a session, or an API key with scope <code>${esc(scope)}</code>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d232a;background:#fff}
main{max-width:980px;margin:0 auto;padding:1rem 1.5rem 4rem}nav{columns:2;font-size:14px}
h1{margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:2px solid #dde3ea}h3{margin:.2rem 0}
code{font:13px ui-monospace,monospace;background:#f2f4f7;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{border:1px solid #dde3ea;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f7f9fb;font-weight:600}td table{font-size:14px}.c{color:#5b6775;font-size:13px}.s{margin:.2rem 0 .6rem}
.op{border:1px solid #dde3ea;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}.h{margin:.2rem 0;padding-left:1.2rem;font-size:14px}
.m{display:inline-block;min-width:4.2em;text-align:center;border-radius:4px;color:#fff;font:600 12px ui-monospace,monospace;padding:.15rem .3rem;background:#555}
.get{background:#2f6f9f}.post{background:#2e7d4f}.put{background:#8a6d1f}.patch{background:#7b4f9d}.delete{background:#a8382f}`;

export function renderDocsPage(doc: OpenApiDocument): Html {
  const info = doc.info as { title: string; version: string; summary?: string; description?: string };
  const tags = doc.tags as { name: string; description?: string }[];
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  const components = doc.components as { schemas: Record<string, Schema>; responses: Record<string, Schema> };
  const webhooks = Object.entries((doc.webhooks ?? {}) as Record<string, Record<string, Schema>>).flatMap(([name, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ name, method, op })),
  );
  const byTag = tags.map((tag) => ({ tag, ops: ops.filter((o) => (o.op.tags as string[])[0] === tag.name) }));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} ${esc(info.version)} — reference</title><style>${STYLE}</style></head>
<body><main>
<h1>${esc(info.title)}</h1><p class="c">Version ${esc(info.version)} · OpenAPI ${esc(doc.openapi)} · machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
${info.summary ? `<p>${esc(info.summary)}</p>` : ""}
<nav>${byTag.map(({ tag, ops }) => `<p><strong>${esc(tag.name)}</strong><br>${ops.map((o) => `<a href="#${anchor("op", String(o.op.operationId))}">${esc(o.method.toUpperCase())} ${esc(o.path)}</a>`).join("<br>")}</p>`).join("")}
<p><strong>More</strong><br><a href="#webhooks">Webhooks</a><br><a href="#problems">Problems</a><br><a href="#schemas">Schemas</a></p></nav>
<h2 id="overview">Overview</h2>
${markdown(info.description ?? "")}
${byTag.map(({ tag, ops }) => `<h2 id="${anchor("tag", tag.name)}">${esc(tag.name)}</h2>${tag.description ? `<p>${esc(tag.description)}</p>` : ""}${ops.map((o) => operationSection(doc, o.method, o.path, o.op)).join("\n")}`).join("\n")}
<h2 id="webhooks">Webhooks</h2>
${webhooks.map((w) => operationSection(doc, w.method, `webhook: ${w.name}`, w.op, "signed with the webhook's secret (the webhook-* headers)")).join("\n")}
<h2 id="problems">Problems</h2>
<p>Every error answer is <code>application/problem+json</code> with the ${schemaLink("Problem")} schema.</p>
<table><tr><th>name</th><th>meaning</th></tr>${Object.entries(components.responses)
    .map(([name, r]) => `<tr id="${anchor("problem", name)}"><td><code>${esc(name)}</code></td><td>${markdown(String(r.description ?? ""))}${headers(doc, r.headers as Record<string, Schema> | undefined)}</td></tr>`)
    .join("")}</table>
<h2 id="schemas">Schemas</h2>
${Object.entries(components.schemas)
    .map(([name, s]) => `<section id="${anchor("schema", name)}"><h3>${esc(name)}</h3>${schemaBlock(s)}</section>`)
    .join("\n")}
</main></body></html>
`;
}
