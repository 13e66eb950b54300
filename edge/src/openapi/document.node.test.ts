// The generated OpenAPI document, checked under Node: valid OpenAPI 3.1 by the specification's own
// JSON Schema, every $ref resolving, every operation complete.
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { allScopes } from "../../../shared/api.ts";
import { eventTypes } from "../../../shared/events.ts";
import { buildOpenApiDocument } from "./document.ts";

const doc = buildOpenApiDocument();
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

type Node = Record<string, unknown>;

function operationsOf(group: unknown): { where: string; op: Node }[] {
  return Object.entries(group as Record<string, Node>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op: op as Node })),
  );
}

/** Every `$ref` in the document, with where it was found. */
function refs(value: unknown, at = "#"): { at: string; ref: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refs(v, `${at}/${i}`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => (key === "$ref" && typeof v === "string" ? [{ at, ref: v }] : refs(v, `${at}/${key}`)));
}

function resolve(pointer: string): unknown {
  if (!pointer.startsWith("#/")) return undefined;
  let node: unknown = doc;
  for (const raw of pointer.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof node !== "object" || node === null || !(key in node)) return undefined;
    node = (node as Node)[key];
  }
  return node;
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it("has every $ref resolve inside itself", () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter(({ ref }) => resolve(ref) === undefined)).toEqual([]);
  });

  it("gives every operation a unique operationId, a summary, tags and responses", () => {
    const ops = [...operationsOf(doc.paths), ...operationsOf(doc.webhooks)];
    expect(ops.length).toBeGreaterThan(20);
    for (const { where, op } of ops) {
      expect(op.operationId, where).toEqual(expect.any(String));
      expect(op.summary, where).toEqual(expect.any(String));
      expect(Object.keys(op.responses as Node).length, where).toBeGreaterThan(0);
    }
    const ids = ops.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("declares each path's parameters, and tags each operation with a declared tag", () => {
    const tags = new Set((doc.tags as { name: string }[]).map((t) => t.name));
    for (const { where, op } of operationsOf(doc.paths)) {
      const inPath = [...where.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = ((op.parameters as { name: string; in: string }[] | undefined) ?? []).filter((p) => p.in === "path").map((p) => p.name).sort();
      expect(declared, where).toEqual(inPath);
      expect((op.tags as string[]).every((t) => tags.has(t)), where).toBe(true);
    }
  });

  it("names the scope an API key needs on every authenticated operation, in x-api-key-scope and the description", () => {
    for (const { where, op } of operationsOf(doc.paths)) {
      const security = op.security as Node[];
      if (security.length === 0) {
        expect(op["x-api-key-scope"], where).toBeUndefined();
        continue;
      }
      const scope = op["x-api-key-scope"] as string | null;
      if (scope === null) {
        expect(security, where).toEqual([{ session: [] }]);
        expect(op.description, where).toContain("API keys get 403");
      } else {
        expect(allScopes, where).toContain(scope);
        expect(security, where).toContainEqual({ apiKey: [scope] });
        expect(op.description, where).toContain(`\`${scope}\``);
      }
      const responses = op.responses as Record<string, Node>;
      for (const status of ["401", "403", "429"]) expect(responses[status], `${where} ${status}`).toEqual({ $ref: expect.stringMatching(/^#\/components\/responses\//) });
    }
  });

  it("answers errors as problem+json with the Problem schema", () => {
    const responses = (doc.components as { responses: Record<string, { content: Node }> }).responses;
    expect(Object.keys(responses).length).toBeGreaterThan(5);
    for (const [name, r] of Object.entries(responses)) expect(r.content, name).toEqual({ "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } });
    const problem = (doc.components as { schemas: Record<string, { properties: Node; required: string[] }> }).schemas.Problem!;
    expect(Object.keys(problem.properties).sort()).toEqual(["detail", "errors", "instance", "requestId", "status", "title", "type"]);
    expect(problem.required.sort()).toEqual(["status", "title", "type"]);
  });

  it("describes every event type, and the webhook payload with its signature headers", () => {
    const schemas = (doc.components as { schemas: Record<string, Node> }).schemas;
    const oneOf = (schemas.ClientEvent!.oneOf as { $ref: string }[]).map((r) => resolve(r.$ref) as { properties: { type: { const: string } } });
    expect(oneOf.map((e) => e.properties.type.const).sort()).toEqual([...eventTypes].sort());
    const webhook = (doc.webhooks as Record<string, { post: { parameters: { name: string }[] } }>)["message.created"]!.post;
    expect(webhook.parameters.map((p) => p.name)).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
    expect(JSON.stringify(doc.info)).toContain("whsec_");
  });

  it("builds request bodies from the zod contract: defaults optional, unknown fields refused", () => {
    const send = (doc.components as { schemas: Record<string, { required?: string[]; additionalProperties?: boolean; properties: Record<string, Node> }> }).schemas.SendRequest!;
    expect(send.required ?? []).toEqual([]);
    expect(send.additionalProperties).toBe(false);
    expect(send.properties.to).toMatchObject({ type: "array", maxItems: 100, items: { $ref: "#/components/schemas/MailAddressInput" } });
  });
});
