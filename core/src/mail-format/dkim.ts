// DKIM signatures (RFC 6376) for mail leaving the service, with the sender domain's key.
import { generateKeyPairSync } from "node:crypto";

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
}

/** Prepends a DKIM-Signature (relaxed/relaxed, rsa-sha256) to the message. */
export async function signDkim(raw: Buffer, key: DkimKey): Promise<Buffer> {
  // Loaded with the first message to sign, and only the signer: mailauth's index loads all of it
  // (SPF, DMARC, ARC, BIMI's certificates and schemas), 12 MiB of heap in a thread that needs none of
  // it but this (the pipeline thread, which signs outgoing mail only; README "Memory of a core").
  const { dkimSign } = await import("mailauth/lib/dkim/sign.js");
  const result = await dkimSign(raw, { canonicalization: "relaxed/relaxed", signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey, algorithm: "rsa-sha256" }] } as unknown as Parameters<typeof dkimSign>[1]);
  if (result.errors?.length) throw new Error(`DKIM signing failed: ${result.errors.map((e: { err?: Error }) => e.err?.message ?? String(e)).join("; ")}`);
  return Buffer.concat([Buffer.from(result.signatures, "utf8"), raw]);
}

export function newDkimKey(domain: string, now = new Date()): DkimKey & { publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "der" },
  });
  // A dated selector lets keys be rotated by publishing the next one before switching.
  const selector = `em${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
  return { domain, selector, privateKey, publicKey: publicKey.toString("base64") };
}

/** The DNS records a domain owner publishes so that this service's mail authenticates. */
export function dnsRecordsFor(domain: string, selector: string, publicKeyBase64: string, mxHost: string): string[] {
  // TXT strings are limited to 255 characters; the key is split into several quoted strings.
  const value = `v=DKIM1; k=rsa; p=${publicKeyBase64}`;
  const chunks = value.match(/.{1,250}/g)!.map((c) => `"${c}"`).join(" ");
  return [
    `${domain}.\t3600\tIN\tMX\t10 ${mxHost}.`,
    `${selector}._domainkey.${domain}.\t3600\tIN\tTXT\t${chunks}`,
    `${domain}.\t3600\tIN\tTXT\t"v=spf1 mx -all"`,
    `_dmarc.${domain}.\t3600\tIN\tTXT\t"v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:postmaster@${domain}"`,
  ];
}
