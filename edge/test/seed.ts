// What globalSetup puts into the core before the edge tests run; the tests rely on these facts.
export const seed = {
  alice: { address: "alice@example.test", password: "alice's correct horse" },
  bob: { address: "bob@example.test", password: "bob's battery staple" },
  /** Plain messages to alice, subjects "seed 0" … */
  plainMessages: 25,
  attachmentSubject: "with attachments",
  /** The bytes of the first attachment ("data.bin"). */
  attachmentBytes(): Uint8Array {
    return Uint8Array.from({ length: 3000 }, (_, i) => (i * 7 + 3) % 256);
  },
  secondAttachment: { filename: "notes – ünïcode.txt", text: "hello from the second attachment\n" },
} as const;

declare module "vitest" {
  interface ProvidedContext {
    coreUrl: string;
    signingSecret: string;
  }
}
