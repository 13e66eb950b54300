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
});
