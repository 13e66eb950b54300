// The text transforms on both sides of the index, and the highlighted snippet.
import { describe, expect, it } from "vitest";
import { highlight, highlighter } from "./highlight.ts";
import { toFtsPhrase, toIndexText } from "../store/search-index/search-text.ts";

describe("index text", () => {
  it("turns unspaced runs into bigrams and their last character, and leaves other text alone", () => {
    expect(toIndexText("프로젝트일정을 공유")).toBe(" 프로 로젝 젝트 트일 일정 정을 을   공유 유 ");
    expect(toIndexText("iPhone케이스 Café")).toBe("iPhone 케이 이스 스  Café");
    expect(toIndexText("集")).toBe(" 集 ");
    // NFKC: full-width Latin and half-width katakana.
    expect(toIndexText("ＡＢＣ ｶﾀｶﾅ")).toBe("ABC  カタ タカ カナ ナ ");
  });
});

describe("query phrases", () => {
  it("quotes words so that nothing in them is an operator", () => {
    expect(toFtsPhrase("café")).toBe('"café"');
    expect(toFtsPhrase('say "NOT" AND')).toBe('"say ""NOT"" AND"');
    expect(toFtsPhrase("--- !!")).toBeNull();
  });

  it("gives unspaced words as their bigrams, one character as a prefix", () => {
    expect(toFtsPhrase("일정")).toBe('"일정"');
    expect(toFtsPhrase("프로젝트")).toBe('"프로 로젝 젝트"');
    expect(toFtsPhrase("회의 일정")).toBe('"회의 의 일정"');
    expect(toFtsPhrase("iPhone케이스")).toBe('"iPhone 케이 이스"');
    expect(toFtsPhrase("집")).toBe('"집" *');
    expect(toFtsPhrase("hello 집!")).toBe('"hello 집 !" *');
  });
});

describe("highlight", () => {
  it("marks whole words folded as the index folds them, and escapes the rest", () => {
    expect(highlight("Un CAFÉ <près> de la gare & café-crème; cafeteria", ["cafe"])).toBe(
      "Un <mark>CAFÉ</mark> &lt;près&gt; de la gare &amp; <mark>café</mark>-crème; cafeteria",
    );
    expect(highlight("내일 회의를 합시다", ["회의"])).toBe("내일 <mark>회의</mark>를 합시다");
  });

  it("marks a word only where one starts: not after a letter, digit or accent, also one outside the BMP", () => {
    expect(highlight("xcafe 1cafe \u{1D400}cafe 😀cafe e\u0301cafe _cafe cafe", ["cafe"])).toBe(
      "xcafe 1cafe \u{1D400}cafe 😀<mark>cafe</mark> e\u0301cafe _<mark>cafe</mark> <mark>cafe</mark>",
    );
    // Found after a run of word-inner candidates, and every occurrence marked, not only the first.
    expect(highlight(`${"xneedle ".repeat(1000)}needle needle`, ["needle"])).toBe("…xneedle xneedle xneedle xneedle xneedle xneedle <mark>needle</mark> <mark>needle</mark>");
  });

  it("makes a snippet from a body's start only when the rest cannot change it", () => {
    const h = highlighter(["needle"]);
    const body = `The needle is here. ${"more words ".repeat(300)}`;
    expect(h.snippetOfStart(body.slice(0, 1000), false)).toBe(h.snippet(body));
    // No match in the start: the rest may have one.
    expect(h.snippetOfStart("words ".repeat(100), false)).toBeNull();
    // The match runs to the end of the start (the next character may extend the word).
    expect(h.snippetOfStart(`some needle`, false)).toBeNull();
    // The snippet's stretch reaches past the start.
    expect(h.snippetOfStart(`a needle ${"word ".repeat(50)}`, false)).toBeNull();
    // Only blanks after the stretch: whether the snippet is cut (…) depends on the rest.
    expect(h.snippetOfStart(`a needle ${"word ".repeat(100)}${" ".repeat(1000)}`, false)).toBeNull();
    // A whole body is its own start.
    expect(h.snippetOfStart("a needle", true)).toBe("a <mark>needle</mark>");
  });

  it("shows the part of a long body around the first match", () => {
    const body = `${"filler words ".repeat(40)}the needle is here ${"and more text ".repeat(40)}`;
    const out = highlight(body, ["needle"]);
    expect(out.startsWith("…")).toBe(true);
    expect(out.endsWith("…")).toBe(true);
    expect(out).toContain("the <mark>needle</mark> is here");
    expect(out.length).toBeLessThan(260);
  });

  it("shows the start when nothing in the body matched (the subject did)", () => {
    expect(highlight("  Hello\n\nthere  ", ["subjectword"])).toBe("Hello there");
  });
});
