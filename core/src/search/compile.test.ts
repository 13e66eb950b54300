// The compiled query's SQL as SQLite receives it.
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { not, or, word } from "../../../test/support/search-nodes.ts";
import { userRange } from "../store/search-index/doc-ids.ts";
import { compileQuery } from "./compile.ts";

const dialect = new SQLiteAsyncDialect();
const range = userRange(3);

describe("compileQuery", () => {
  it("binds the user's doc id range as integers, which FTS5 seeks (a REAL range reads every user's doclist)", () => {
    for (const node of [not(word("draft")), or(word("budget"), { type: "is", flag: "starred" })]) {
      const query = compileQuery(node, { userId: "u", ...range, now: 0, folders: [] });
      const params = query.filters.flatMap((f) => dialect.sqlToQuery(f).params);
      expect(params).toContain(BigInt(range.lo));
      expect(params).toContain(BigInt(range.hi));
      expect(params.filter((p) => typeof p === "number")).toEqual([]);
    }
  });
});
