// The rules editor's drafts against the API's own schema: what the editor saves must be a FilterRule
// the server accepts, and a stored rule must come back unchanged after an edit-free save.
import { describe, expect, it } from "vitest";
import { FilterRule, FilterSettings } from "../../../../shared/filters.ts";
import { describeRule, emptyDraft, fromDraft, toDraft } from "./rule-draft.ts";

describe("rule drafts", () => {
  it("a draft with every field turns into a rule the schema accepts", () => {
    const draft = {
      ...emptyDraft(),
      name: " Shop ",
      match: "any" as const,
      from: "news@shop.example",
      to: "alice+shop@",
      subject: "invoice",
      words: 'paid "thank you"',
      listId: "news.shop.example",
      hasAttachment: "yes" as const,
      sizeOver: "1.5",
      sizeOverUnit: "MB" as const,
      sizeUnder: "20",
      sizeUnderUnit: "MB" as const,
      moveTo: " Receipts ",
      label: "shop, paid  money",
      markRead: true,
      star: true,
      neverSpam: true,
      forwardTo: " bob@example.org ",
    };
    const rule = fromDraft(draft);
    expect(FilterRule.parse(rule)).toEqual({
      name: "Shop",
      enabled: true,
      match: "any",
      conditions: { from: "news@shop.example", to: "alice+shop@", subject: "invoice", words: 'paid "thank you"', listId: "news.shop.example", hasAttachment: true, sizeOver: 1_572_864, sizeUnder: 20_971_520 },
      actions: { moveTo: "Receipts", label: ["shop", "paid", "money"], markRead: true, star: true, neverSpam: true, forwardTo: "bob@example.org" },
    });
  });

  it("leaves empty fields out, which the schema would refuse as blank", () => {
    const rule = fromDraft({ ...emptyDraft(), from: "   ", star: true });
    expect(rule).toEqual({ enabled: true, match: "all", conditions: {}, actions: { star: true } });
    expect(FilterSettings.safeParse({ rules: [rule] }).success).toBe(true);
  });

  it("gives a stored rule back unchanged, sizes in whatever unit says them exactly", () => {
    const stored = FilterRule.parse({
      enabled: false,
      conditions: { hasAttachment: false, sizeOver: 1500, sizeUnder: 3072 },
      actions: { discard: true, forwardTo: "bob@example.org" },
    });
    const draft = toDraft(stored);
    expect([draft.sizeOver, draft.sizeOverUnit, draft.sizeUnder, draft.sizeUnderUnit]).toEqual(["1500", "B", "3", "KB"]);
    expect(fromDraft(draft)).toEqual(stored);
  });

  it("hands a size that is not a number to the server to refuse, rather than dropping it", () => {
    const rule = fromDraft({ ...emptyDraft(), sizeOver: "lots", star: true });
    const parsed = FilterSettings.safeParse(JSON.parse(JSON.stringify({ rules: [rule] })));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["rules", 0, "conditions", "sizeOver"]);
  });

  it("says what a rule does in one line", () => {
    expect(describeRule({ ...emptyDraft(), from: "bob", subject: "hi", match: "any", moveTo: "Bob", markRead: true })).toBe("If from contains “bob” or subject contains “hi” → move to Bob, mark as read");
    expect(describeRule(emptyDraft())).toBe("Every message → (no action yet)");
  });
});
