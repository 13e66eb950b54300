// The filter API through the edge (workerd) to the seeded core: JSON rules compile to Sieve, a Sieve
// script of one's own goes in as JSON or application/sieve, and a broken one is refused with 400
// naming the line and column.
import { describe, expect, it } from "vitest";
import type { Filters } from "../../../shared/filters.ts";
import { api, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";

describe("/api/v1/filters", () => {
  it("saves rules with a vacation answer, compiled to Sieve, and gives them back", async () => {
    // Frank gets no real mail, so his filters change nothing another test reads.
    const token = await login(seed.frank.address, seed.frank.password);
    const empty = (await (await api("/api/v1/filters", { token })).json()) as Filters;
    expect(empty).toEqual({ script: null, settings: null, updatedAt: null });

    const settings = {
      rules: [{ name: "boss", conditions: { from: "boss@example.com" }, actions: { moveTo: "Work", star: true } }],
      vacation: { enabled: true, body: "Away until Monday." },
    };
    const saved = await api("/api/v1/filters", { method: "PUT", token, json: settings });
    expect(saved.status).toBe(200);
    const body = (await saved.json()) as Filters;
    expect(body.script).toContain('fileinto "Work";');
    expect(body.script).toContain('vacation :days 7 "Away until Monday.";');
    expect(body.settings).toEqual({ rules: [{ ...settings.rules[0], enabled: true, match: "all" }], vacation: { ...settings.vacation, days: 7 } });
    expect(await (await api("/api/v1/filters", { token })).json()).toEqual(body);
  });

  it("refuses bad rules naming the field", async () => {
    const token = await login(seed.frank.address, seed.frank.password);
    const res = await api("/api/v1/filters", { method: "PUT", token, json: { rules: [{ conditions: {}, actions: { label: ["a b"] } }] } });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toEqual(["rules.0.actions.label.0"]);
  });

  it("takes a Sieve script as application/sieve, and refuses one that does not parse with its line and column", async () => {
    const token = await login(seed.frank.address, seed.frank.password);
    const script = 'require "fileinto";\r\nif header :contains "list-id" "dev" {\r\n  fileinto "Lists";\r\n}\r\n';
    const ok = await api("/api/v1/filters/sieve", { method: "PUT", token, body: script, headers: { "content-type": "application/sieve" } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Filters).settings).toBeNull();

    const broken = await api("/api/v1/filters/sieve", { method: "PUT", token, json: { script: 'require "fileinto";\nif header :contains "subject" "x" {\n  fileinto "A"\n}\n' } });
    expect(broken.status).toBe(400);
    expect(broken.headers.get("content-type")).toMatch(/application\/problem\+json/);
    const problem = (await broken.json()) as { detail: string; errors: { field: string; message: string }[] };
    expect(problem.errors[0]!.field).toBe("script");
    expect(problem.errors[0]!.message).toMatch(/^line 4, column 1: /);

    const unknown = await api("/api/v1/filters/sieve", { method: "PUT", token, json: { script: 'require "enotify";\n' } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/^line 1, column 9: /);
    // Leave Frank without filters again.
    expect((await api("/api/v1/filters", { method: "PUT", token, json: { rules: [] } })).status).toBe(200);
  });
});
