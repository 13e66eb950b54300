// Search through a real core: mail in over SMTP (HTML, Korean, a PDF attachment), the internal search
// route's answers checked against the API's schemas, paging, a move and a delete seen at once, and
// the 400 answers of a malformed query.
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SearchPage } from "../../../shared/api.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { textPdf } from "../../../test/support/pdf.ts";
import { sendMail } from "../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";

let core: TempCore;
let api: ReturnType<typeof internalApi>;
let alice: { id: string };
let bob: { id: string };

async function compose(mail: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer({ from: "carol@remote.test", date: new Date(), ...mail }).compile().build();
}

async function search(user: { id: string }, params: Record<string, string>, status = 200): Promise<SearchPage> {
  const res = await api("GET", `/internal/v1/users/${user.id}/search?${new URLSearchParams(params)}`);
  expect(res.status, await res.clone().text()).toBe(status);
  const body: unknown = await res.json();
  const parsed = SearchPage.safeParse(body);
  expect(parsed.error?.issues ?? []).toEqual([]);
  expect(parsed.data).toEqual(body);
  return parsed.data!;
}

beforeAll(async () => {
  core = await startTempCore();
  api = internalApi(core.apiPort);
  alice = await core.addUser("alice@example.test");
  bob = await core.addUser("bob@example.test");
  const messages = [
    await compose({ to: "alice@example.test", subject: "Forecast attached", text: "Numbers for Q3, see the PDF.", attachments: [{ filename: "q3-plan.pdf", content: textPdf(["Revenue forecast", "Confidential draft"]) }] }),
    await compose({ to: "alice@example.test", subject: "주간 회의", html: "<p>이번 주 <b>프로젝트일정</b>을 공유합니다</p>" }),
    await compose({ to: ["alice@example.test", "bob@example.test"], subject: "Café meetup", text: "Meet at the café & bring <notes>." }),
    ...Array.from({ length: 12 }, (_, i) => compose({ to: "alice@example.test", subject: `Status ${i}`, text: `weekly status number ${i}` })),
  ];
  for (const m of await Promise.all(messages)) {
    const to = m.toString("latin1").includes("bob@example.test") ? ["alice@example.test", "bob@example.test"] : ["alice@example.test"];
    expect(await sendMail(core.smtpPort, "carol@remote.test", to, m)).toMatch(/^250 /);
  }
  await core.pipeline.idle();
});
afterAll(() => core?.destroy());

describe("GET /internal/v1/users/:id/search", () => {
  it("finds mail by its PDF's text, its Korean body and folded accents, with highlights", async () => {
    const pdf = await search(alice, { q: "forecast" });
    expect(pdf.messages.map((m) => m.subject)).toEqual(["Forecast attached"]);
    expect((await search(alice, { q: "confidential" })).messages.map((m) => m.subject)).toEqual(["Forecast attached"]);
    const korean = await search(alice, { q: "일정" });
    expect(korean.messages.map((m) => m.subject)).toEqual(["주간 회의"]);
    expect(korean.messages[0]!.highlight).toBe("이번 주 프로젝트<mark>일정</mark>을 공유합니다");
    const cafe = await search(alice, { q: '"the cafe"' });
    expect(cafe.messages[0]).toMatchObject({ subject: "Café meetup", folder: { role: "inbox", name: "Inbox" } });
    expect(cafe.messages[0]!.highlight).toBe("Meet at <mark>the</mark> <mark>café</mark> &amp; bring &lt;notes&gt;.");
    // Bob got the same message: his copy is his, Alice's stays hers.
    expect((await search(bob, { q: "cafe" })).messages.map((m) => m.subject)).toEqual(["Café meetup"]);
    expect((await search(bob, { q: "forecast" })).messages).toEqual([]);
  });

  it("pages with a cursor, newest first, and by relevance", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: SearchPage = await search(alice, { q: "status", limit: "5", ...(cursor ? { cursor } : {}) });
      seen.push(...page.messages.map((m) => m.subject));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `Status ${11 - i}`));
    const relevant = await search(alice, { q: "status", sort: "relevance", limit: "20" });
    expect(new Set(relevant.messages.map((m) => m.subject)).size).toBe(12);
  });

  it("finds a moved message in its new folder and a deleted one no more", async () => {
    const [meetup] = (await search(alice, { q: "meetup" })).messages;
    expect((await api("PATCH", `/internal/v1/users/${alice.id}/messages/${meetup!.id}`, { folderId: "archive" })).status).toBe(200);
    expect((await search(alice, { q: "meetup" })).messages[0]!.folder.role).toBe("archive");
    expect((await api("DELETE", `/internal/v1/users/${alice.id}/messages/${meetup!.id}`)).status).toBe(200);
    expect((await search(alice, { q: "meetup" })).messages[0]!.folder.role).toBe("trash");
    expect((await api("DELETE", `/internal/v1/users/${alice.id}/messages/${meetup!.id}`)).status).toBe(200);
    expect((await search(alice, { q: "meetup" })).messages).toEqual([]);
  });

  it("answers Gmail's operators as the parser reads them", async () => {
    const subjects = async (q: string) => (await search(alice, { q, limit: "50" })).messages.map((m) => m.subject).sort();
    expect(await subjects("from:carol has:attachment")).toEqual(["Forecast attached"]);
    expect(await subjects("subject:(status 3)")).toEqual(["Status 3"]);
    expect(await subjects("status -weekly")).toEqual([]);
    expect(await subjects("{forecast 회의}")).toEqual(["Forecast attached", "주간 회의"]);
    expect(await subjects("status (3 OR 7) in:inbox is:unread")).toEqual(["Status 3", "Status 7"]);
    expect(await subjects("to:me filename:q3-plan.pdf")).toEqual(["Forecast attached"]);
    expect(await subjects("in:anywhere larger:1K forecast")).toEqual(["Forecast attached"]);
    expect(await subjects("newer_than:1d -(status OR forecast) -café")).toEqual(["주간 회의"]);
    expect(await subjects("before:2000/01/01 status")).toEqual([]);
    expect(await subjects("in:spam status")).toEqual([]);
  });

  it("answers a malformed query with the position and the problem", async () => {
    const res = await api("GET", `/internal/v1/users/${alice.id}/search?${new URLSearchParams({ q: 'budget "draft' })}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 400, errors: [{ field: "query.q", message: "at 7: \" is not closed: a \" is missing" }] });
    const missing = await api("GET", `/internal/v1/users/${alice.id}/search`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ errors: [{ field: "query.q" }] });
    const sort = await api("GET", `/internal/v1/users/${alice.id}/search?q=x&sort=size`);
    expect(await sort.json()).toMatchObject({ status: 400, errors: [{ field: "query.sort", message: "sort must be date or relevance" }] });
  });
});
