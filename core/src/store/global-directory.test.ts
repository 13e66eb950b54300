import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GlobalDirectory } from "./global-directory.ts";
import { DirectoryError } from "./directory.ts";

const SECRET = "test-internal-signing-secret-0123456789abcdef";
let dir: string;
let global: GlobalDirectory;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "edgemail-global-"));
  global = await GlobalDirectory.open(`file:${path.join(dir, "global.db")}`, SECRET);
});
afterAll(() => {
  global?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GlobalDirectory", () => {
  it("homes an address in one region only, and finds it by any of its candidates", async () => {
    await global.claim("bob@example.test", "eu");
    await expect(global.claim("bob@example.test", "us")).rejects.toThrow(new DirectoryError("bob@example.test already exists (in region eu)"));
    expect(await global.homeOf(["bob+news@example.test", "bob@example.test"])).toEqual({ region: "eu", movingTo: null });
    expect(await global.elsewhere(["bob@example.test"], "us")).toBe("eu");
    expect(await global.elsewhere(["bob@example.test"], "eu")).toBeNull();
    expect(await global.homeOf(["nobody@example.test"])).toBeNull();
  });

  it("marks a user as moving, and gives an address up only from its own region", async () => {
    await global.claim("mover@example.test", "us");
    await global.setMoving(["mover@example.test"], "eu");
    expect(await global.homeOf(["mover@example.test"])).toEqual({ region: "us", movingTo: "eu" });
    await global.release("mover@example.test", "eu");
    expect(await global.homeOf(["mover@example.test"])).not.toBeNull();
    await global.release("mover@example.test", "us");
    expect(await global.homeOf(["mover@example.test"])).toBeNull();
  });

  it("keeps which regions serve a domain", async () => {
    await global.addDomain("example.test", ["us", "eu"]);
    await global.addDomain("example.test", ["eu"]);
    expect(await global.regionsOf("example.test")).toEqual(["eu", "us"]);
  });

  it("writes no address in the clear: its files hold only keyed hashes", async () => {
    await global.claim("secret.person@example.test", "eu");
    const bytes = readdirSync(dir).map((f) => readFileSync(path.join(dir, f)));
    expect(bytes.some((b) => b.includes(Buffer.from("secret.person")))).toBe(false);
    // The pointer is the address's, under this key only.
    expect(await global.pointer("secret.person@example.test")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const other = await GlobalDirectory.open(`file:${path.join(dir, "other.db")}`, `${SECRET}-other`);
    try {
      expect(await other.pointer("secret.person@example.test")).not.toBe(await global.pointer("secret.person@example.test"));
    } finally {
      other.close();
    }
  });
});
