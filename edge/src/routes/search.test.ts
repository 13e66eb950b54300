// Search through the worker, inside workerd, against the seeded core: Kim's mail (seed.ts) found by
// a Korean word inside a sentence and by a folded accent, highlighted, paged with the cursor; the
// edge's own 400s and the core's 400 for a malformed query; nobody else's mail.
import { beforeAll, describe, expect, it } from "vitest";
import { SearchPage } from "../../../shared/api.ts";
import { api, conforms, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";

let kim: string;
let bob: string;


const search = async (token: string, params: Record<string, string>) => conforms(await api(`/api/v1/search?${new URLSearchParams(params)}`, { token }), SearchPage);

beforeAll(async () => {
  kim = await login(seed.kim.address, seed.kim.password);
  bob = await login(seed.bob.address, seed.bob.password);
});

describe("GET /api/v1/search", () => {
  it("finds a Korean word inside a sentence and a word without its accent, highlighted", async () => {
    const korean = await search(kim, { q: "일정" });
    expect(korean.messages.map((m) => m.subject)).toEqual(["주간 회의"]);
    expect(korean.messages[0]).toMatchObject({ folder: { role: "inbox" }, highlight: "이번 주 프로젝트<mark>일정</mark>을 공유합니다." });
    const res = await api(`/api/v1/search?q=${encodeURIComponent("cafe")}`, { token: kim });
    expect(res.headers.get("x-edgemail-served-by")).toBe("core");
    // The core's page passed through as it is, with the edge's own headers.
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const cafe = await conforms(res, SearchPage);
    expect(cafe.messages.map((m) => [m.subject, m.highlight])).toEqual([["Café meetup", "Meet at the <mark>café</mark> &lt;after&gt; work &amp; bring notes."]]);
  });

  it("pages with the cursor, newest first", async () => {
    const first = await search(kim, { q: "standup", limit: "2" });
    expect(first.messages.map((m) => m.subject)).toEqual(["Standup 3", "Standup 2"]);
    const second = await search(kim, { q: "standup", limit: "2", cursor: first.nextCursor! });
    expect(second).toMatchObject({ messages: [{ subject: "Standup 1" }], nextCursor: null });
    const relevance = await search(kim, { q: "standup notes", sort: "relevance" });
    expect(relevance.messages).toHaveLength(3);
  });

  it("shows nobody else's mail", async () => {
    expect((await search(bob, { q: "standup" })).messages).toEqual([]);
    expect((await search(bob, { q: "private" })).messages.map((m) => m.subject)).toEqual(["for bob only"]);
  });

  it("answers bad requests with problems that name the field and the position", async () => {
    const malformed = await api(`/api/v1/search?q=${encodeURIComponent('standup "notes')}`, { token: kim });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("content-type")).toBe("application/problem+json");
    expect(await malformed.json()).toMatchObject({ errors: [{ field: "query.q", message: "at 8: \" is not closed: a \" is missing" }] });
    for (const [qs, field] of [["", "query.q"], ["q=x&sort=size", "query.sort"], ["q=x&limit=0", "query.limit"], ["q=x&cursor=abc", "query.cursor"]] as const) {
      const res = await api(`/api/v1/search?${qs}`, { token: kim });
      expect(res.status, qs).toBe(400);
      expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field, qs).toBe(field);
    }
    expect((await api("/api/v1/search?q=standup")).status).toBe(401);
  });
});
