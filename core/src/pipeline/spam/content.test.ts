// Content heuristics on crafted messages: bulk-mail tricks fire, an ordinary newsletter does not.
import { describe, expect, it } from "vitest";
import { rfc822, SENT_AT, spamInput } from "../../../../test/support/spam-message.ts";
import { contentCheck } from "./content.ts";
import { buildContext } from "./context.ts";
import type { Hit } from "./input.ts";

const HTML = { "Content-Type": "text/html; charset=utf-8" };

async function hits(headers: Record<string, string | null>, body: string): Promise<Hit[]> {
  const input = await spamInput(rfc822(headers, body));
  return contentCheck(input, buildContext(input, SENT_AT)) as Hit[];
}
const names = async (headers: Record<string, string | null>, body: string) => (await hits(headers, body)).map((h) => h.name).sort();

/** multipart/alternative with both parts, as any decent mailer sends. */
function alternative(text: string, html: string): [Record<string, string>, string] {
  return [
    { "Content-Type": 'multipart/alternative; boundary="b1"' },
    `--b1\nContent-Type: text/plain; charset=utf-8\n\n${text}\n--b1\nContent-Type: text/html; charset=utf-8\n\n${html}\n--b1--\n`,
  ];
}

const NEWSLETTER_HTML = `<html><body>
<div style="display:none;max-height:0;overflow:hidden">This week: the spring catalogue and a note from the editor.</div>
<h1>Spring catalogue</h1>
<p>Our new range is in. Read about the makers behind it, the materials, and how each piece is made in
our workshop. There is a long interview with our head of design, and a guide to caring for wood.</p>
<p><a href="https://click.shop.example/c/123">Read the interview</a> · <a href="https://shop.example/care">Care guide</a></p>
<p style="color:#ffffff;background:#336699">Shop now</p>
<p>You get this because you subscribed at shop.example. <a href="https://shop.example/unsubscribe">Unsubscribe</a></p>
</body></html>`;

describe("content check", () => {
  it("finds nothing in a plain message or a well-made newsletter", async () => {
    expect(await hits({}, "Hi Alice,\n\nsee you on Thursday at https://maps.example/cafe\n\nBob\n")).toEqual([]);
    const [headers, body] = alternative("Spring catalogue: our new range is in.", NEWSLETTER_HTML);
    expect(await hits({ ...headers, From: "Shop <news@shop.example>" }, body)).toEqual([]);
  });

  it("flags a shouting subject", async () => {
    expect(await names({ Subject: "CLAIM YOUR FREE PRIZE TODAY" }, "Details inside.\n")).toEqual(["SUBJ_ALL_CAPS"]);
    expect(await names({ Subject: "Act now!!!" }, "Details inside.\n")).toEqual(["SUBJ_EXCLAIM"]);
    expect(await names({ Subject: "FREE MONEY FOR YOU!!!" }, "Details inside.\n")).toEqual(["SUBJ_ALL_CAPS", "SUBJ_EXCLAIM"]);
    // Short capitals and a single exclamation are ordinary.
    expect(await names({ Subject: "RE: FYI" }, "ok\n")).toEqual([]);
    expect(await names({ Subject: "Thanks!" }, "ok\n")).toEqual([]);
  });

  it("flags text hidden from the reader", async () => {
    const filler = "cheap pills online best price guaranteed discreet shipping worldwide ".repeat(4);
    const [h1, b1] = alternative("Buy now", `<p>Buy now</p><div style="display: none">${filler}</div>`);
    expect(await names(h1, b1)).toEqual(["HTML_HIDDEN_TEXT"]);
    const [h2, b2] = alternative("Buy now", `<p>Buy now</p><span style="font-size:0px">${filler}</span>`);
    expect(await names(h2, b2)).toEqual(["HTML_HIDDEN_TEXT"]);
    const [h3, b3] = alternative("Buy now", `<body bgcolor="#ffffff"><p>Buy now</p><font color="#FFFFFF">${filler}</font></body>`);
    expect(await names(h3, b3)).toEqual(["HTML_FONT_LOW_CONTRAST"]);
  });

  it("flags HTML with no text part", async () => {
    expect(await names(HTML, "<p>Hello Alice, see you on Thursday, and bring the book you promised me.</p>")).toEqual(["MIME_HTML_ONLY"]);
  });

  it("flags links to bare IP addresses, but not to private ones", async () => {
    const [h, b] = alternative("Visit us", `<p>Visit our store: <a href="http://203.0.113.7/store/">our store</a> for more details on the offer.</p>`);
    expect(await names(h, b)).toEqual(["NUMERIC_HTTP_ADDR"]);
    expect(await names({}, "The router is at http://192.168.1.1/ as before.\n")).toEqual([]);
  });

  it("flags a link that shows one address and leads to another", async () => {
    const html = `<p>Please confirm your account at <a href="http://login.evil.example/paypal">https://www.paypal.com/signin</a> within 24 hours or it will be closed.</p>`;
    const [h, b] = alternative("Please confirm your account", html);
    const found = await hits({ ...h, From: "PayPal <service@paypal.com>" }, b);
    expect(found.map((x) => x.name)).toEqual(["HTML_URI_MISMATCH"]);
    expect(found[0]!.detail).toBe("https://www.paypal.com/signin → login.evil.example");
  });

  it("flags links with hardly any text", async () => {
    const links = ["a", "b", "c", "d"].map((x) => `<a href="http://offers${x}.example/"><img src="http://img.example/${x}.gif"></a>`).join("");
    const [h, b] = alternative("", `<p>Hot deals</p>${links}`);
    expect(await names(h, b)).toEqual(["URI_HEAVY"]);
  });
});
