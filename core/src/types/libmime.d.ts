// libmime (nodemailer's MIME helpers) ships no types; only what the core calls is declared. It is
// CommonJS: its functions hang off the default export.
declare module "libmime" {
  const libmime: {
    /** Decodes RFC 2047 encoded-words ("=?utf-8?q?caf=C3=A9?=") in a header value. */
    decodeWords(value: string): string;
  };
  export default libmime;
}
