// DKIM verification as a receiving server does it (mailauth), with the signer's key record given by
// the test instead of looked up in DNS.
import { authenticate } from "mailauth";

export async function dkimResult(raw: Buffer, domain: string, keyRecord: string): Promise<string | undefined> {
  const result = await authenticate(raw, {
    ip: "127.0.0.1",
    helo: "mx.test",
    resolver: async (name: string, type: string) => {
      if (type === "TXT" && name.endsWith(`._domainkey.${domain}`)) return [[keyRecord]];
      throw Object.assign(new Error("no such record"), { code: "ENOTFOUND" });
    },
  } as Parameters<typeof authenticate>[1]);
  return result.dkim.results[0]?.status.result;
}
