// The core serves every route of the edge→core contract (shared/internal-api.ts) at the contract's method
// and path, and its answers are what the contract's schemas read: the edge's typed calls reach a handler
// and get the shape they were written against.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import { coreApi, corePath, type CoreRequest, type CoreRoute } from "../../../shared/internal-api.ts";
import type { MessagePage } from "../../../shared/api.ts";
import type { Problem } from "../../../shared/problem.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { sendMail } from "../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";

let core: TempCore;
let api: ReturnType<typeof internalApi>;
let userId: string;

beforeAll(async () => {
  core = await startTempCore();
  api = internalApi(core.apiPort);
  userId = (await core.addUser("alice@example.test")).id;
  const message = "From: Carol <carol@remote.test>\r\nTo: alice@example.test\r\nSubject: hello\r\nMessage-ID: <hello.1@remote.test>\r\n\r\nHello there.\r\n";
  expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], message)).toMatch(/^250 /);
  await core.pipeline.idle();
});
afterAll(() => core?.destroy());

/** Calls `route` with `request`, as the edge's core client does. */
async function call<R extends CoreRoute>(route: R, request: CoreRequest<R>): Promise<Response> {
  return api(route.method, corePath(route, request), "body" in request ? request.body : undefined);
}

describe("the edge→core contract", () => {
  it("has a handler for every route at its method and path (a request it refuses is never 'No such route')", async () => {
    const params = { userId, id: uuidv7(), folder: "inbox", attachmentId: "1", pointer: "A".repeat(43) };
    for (const [name, route] of Object.entries(coreApi) as [string, CoreRoute][]) {
      // An empty body and no query: a handler refuses it (or answers), the app's 404 never does.
      const res = await api(route.method, corePath(route, { params } as CoreRequest<CoreRoute>), route.body ? {} : undefined);
      const text = await res.text();
      if (res.status === 404) expect((JSON.parse(text) as Problem).detail, name).not.toBe("No such route.");
      expect(res.status, `${name}: ${text}`).toBeLessThan(500);
    }
  });

  it("answers in the shape of each read route's schema", async () => {
    const user = { userId };
    const reads: [CoreRoute, Response][] = [
      [coreApi.account, await call(coreApi.account, { params: user })],
      [coreApi.folders, await call(coreApi.folders, { params: user })],
      [coreApi.filters, await call(coreApi.filters, { params: user })],
      [coreApi.contacts, await call(coreApi.contacts, { params: user, query: { q: "", limit: 10 } })],
      [coreApi.search, await call(coreApi.search, { params: user, query: { q: "hello", limit: 10, sort: "date" } })],
      [coreApi.events, await call(coreApi.events, { params: user, query: { since: 0, limit: 1000 } })],
      [coreApi.head, await call(coreApi.head, { params: user, query: { limit: 50 } })],
    ];
    const inbox = await call(coreApi.folderMessages, { params: { userId, folder: "inbox" }, query: { limit: 10 } });
    const page = (await inbox.clone().json()) as MessagePage;
    expect(page.messages.map((m) => m.subject)).toEqual(["hello"]);
    const { id, threadId } = page.messages[0]!;
    reads.push(
      [coreApi.folderMessages, inbox],
      [coreApi.message, await call(coreApi.message, { params: { userId, id } })],
      [coreApi.thread, await call(coreApi.thread, { params: { userId, id: threadId } })],
      [coreApi.updateMessage, await call(coreApi.updateMessage, { params: { userId, id }, body: { starred: true } })],
    );
    for (const [route, res] of reads) {
      const json: unknown = await res.json();
      expect(res.status, `${route.method} ${route.path}: ${JSON.stringify(json)}`).toBe(200);
      // Parsed and unchanged: no missing, mistyped or undocumented field.
      expect(route.answer.parse(json), `${route.method} ${route.path}`).toEqual(json);
    }
  });
});
