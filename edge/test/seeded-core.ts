// A real core for the edge tests, in its own Node process (the workerd project's module resolution
// would give libSQL's web client). Prints `READY {json}` once the seed mail is filed; stops on SIGTERM.
import nodemailer from "nodemailer";
import { clamdMissing, startClamd } from "../../test/support/clamd.ts";
import { startTempCore, TEST_SECRET } from "../../test/support/temp-core.ts";
import { seed } from "./seed.ts";

// A real clamd scans uploads where Debian's clamav-daemon is installed (.ci/run installs it); the
// upload test says it is skipped where it is not.
const clamd = clamdMissing ? null : await startClamd();
const core = await startTempCore({
  SEND_DAILY_LIMIT: String(seed.sendDailyLimit),
  ...(process.env.EDGE_URL ? { EDGE_URL: process.env.EDGE_URL } : {}),
  ...(clamd && clamd.address.kind === "tcp" ? { CLAMD_ADDRESS: `127.0.0.1:${clamd.address.port}` } : {}),
});
await core.addUser(seed.alice.address, seed.alice.password);
await core.addUser(seed.bob.address, seed.bob.password);
await core.addUser(seed.dora.address, seed.dora.password);
await core.addUser(seed.frank.address, seed.frank.password);
await core.addUser(seed.grace.address, seed.grace.password);
await core.addUser(seed.henry.address, seed.henry.password);
await core.addUser(seed.erin.address, seed.erin.password);
await core.addUser(seed.rita.address, seed.rita.password);
await core.addUser(seed.quinn.address, seed.quinn.password);
await core.addUser(seed.ivy.address, seed.ivy.password);
await core.addUser(seed.judy.address, seed.judy.password);
await core.addUser(seed.kim.address, seed.kim.password);
await core.addUser(seed.olga.address, seed.olga.password);
await core.addUser(seed.lou.address, seed.lou.password);
await core.addUser(seed.mallory.address, seed.mallory.password);
const lena = await core.addUser(seed.lena.address, seed.lena.password);
await core.directory.addAlias(seed.lena.alias, lena.id);
await core.addUser(seed.max.address, seed.max.password);
await core.addUser(seed.uma.address, seed.uma.password);
await core.addUser(seed.vic.address, seed.vic.password);
await core.addUser(seed.sam.address, seed.sam.password);
for (const u of [seed.nora, seed.oscar, seed.carol, seed.dan, seed.moira]) await core.addUser(u.address, u.password);
const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: core.smtpPort, secure: false, ignoreTLS: true });
for (let i = 0; i < seed.plainMessages; i++) {
  await smtp.sendMail({ from: "Carol <carol@remote.test>", to: seed.alice.address, subject: `seed ${i}`, text: `Seed message number ${i}.` });
}
await smtp.sendMail({
  from: "Carol <carol@remote.test>",
  to: seed.alice.address,
  subject: seed.attachmentSubject,
  text: "Two files attached.",
  attachments: [
    { filename: "data.bin", content: Buffer.from(seed.attachmentBytes()), contentType: "application/octet-stream" },
    { filename: seed.secondAttachment.filename, content: seed.secondAttachment.text, contentType: "text/plain" },
  ],
});
await smtp.sendMail({
  from: "Carol <carol@remote.test>",
  to: seed.olga.address,
  subject: seed.attachmentSubject,
  text: "One file attached.",
  attachments: [{ filename: "data.bin", content: Buffer.from(seed.attachmentBytes()), contentType: "application/octet-stream" }],
});
await smtp.sendMail({ from: "carol@remote.test", to: seed.bob.address, subject: "for bob only", text: "Private." });
for (const m of seed.searchMessages) await smtp.sendMail({ from: "Carol <carol@remote.test>", to: seed.kim.address, ...m });
smtp.close();
await core.pipeline.idle();
process.stdout.write(`READY ${JSON.stringify({ coreUrl: `http://127.0.0.1:${core.apiPort}`, signingSecret: TEST_SECRET, smtpPort: core.smtpPort, blobs: core.config.blobs, clamd: clamd !== null })}\n`);
process.once("SIGTERM", () => void core.destroy().then(() => clamd?.stop()).then(() => process.exit(0)));
