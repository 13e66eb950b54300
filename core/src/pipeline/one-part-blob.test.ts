import { describe, expect, it } from "vitest";
import { installOnePartBlob } from "./one-part-blob.ts";

describe("one-part Blob", () => {
  it("holds the same bytes and type as Node's Blob", async () => {
    const parts = [new Uint8Array([1, 2, 3]), "\n", "é", new Uint8Array([255])];
    const before = new Blob(parts, { type: "text/plain" });
    installOnePartBlob();
    const after = new Blob(parts, { type: "text/plain" });
    expect(after).toBeInstanceOf(Blob);
    expect(after.type).toBe(before.type);
    expect(new Uint8Array(await after.arrayBuffer())).toEqual(new Uint8Array(await before.arrayBuffer()));
    expect(await new Blob([new Blob(["x"]), "y"]).text()).toBe("xy");
  });

  it("joins text parts alone into the same bytes, half surrogate pairs included", async () => {
    installOnePartBlob();
    const NodeBlob = Object.getPrototypeOf(Blob) as typeof Blob;
    for (const parts of [["line one", "\n", "é 😀", "\n", ""], ["a\ud83d", "\ude00b"], ["\ud83d"], []]) {
      const ours = new Blob(parts, { type: "text/plain" });
      const node = new NodeBlob(parts, { type: "text/plain" });
      expect(new Uint8Array(await ours.arrayBuffer())).toEqual(new Uint8Array(await node.arrayBuffer()));
    }
  });

  it("hands its bytes over once, then copies; reads as Node's Blob does in every other way", async () => {
    installOnePartBlob();
    const NodeBlob = Object.getPrototypeOf(Blob) as typeof Blob;
    const parts = [new Uint8Array(5000).fill(65), "\n", "é", new Uint8Array([66])];
    const ours = new Blob(parts, { type: "text/plain" });
    const node = new NodeBlob(parts, { type: "text/plain" });
    const expected = new Uint8Array(await node.arrayBuffer());
    expect(ours.size).toBe(node.size);
    const first = await ours.arrayBuffer();
    const second = await ours.arrayBuffer();
    expect(second).not.toBe(first);
    expect(new Uint8Array(first)).toEqual(expected);
    expect(new Uint8Array(second)).toEqual(expected);
    expect(await ours.text()).toBe(await node.text());
    expect(await ours.bytes()).toEqual(expected);
    expect(new Uint8Array(await ours.slice(4990, 5003).arrayBuffer())).toEqual(expected.subarray(4990, 5003));
    expect(ours.slice(1, 2, "x/y").type).toBe("x/y");
    expect(new Uint8Array(await new Response(ours.stream()).arrayBuffer())).toEqual(expected);
    // Inside another Blob, joined or Node's, it gives its bytes.
    expect(await new Blob([ours, "z"]).text()).toBe(`${await node.text()}z`);
    expect(await new Blob([ours, new Uint8Array([1])]).text()).toBe(`${await node.text()}\u0001`);
  });
});

