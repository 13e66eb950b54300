// Options we add to smtp-server: the early-talker pause before the greeting, in ms, which
// scripts/patch-dependencies.mjs adds at install (absent: 100, upstream's fixed pause; 0: greet at
// once); and coalesceReplies, read by the reply patch in smtp/reply.ts (replies to pipelined
// commands in one packet).
import "smtp-server";

declare module "smtp-server" {
  interface SMTPServerOptions {
    earlyTalkerDelay?: number;
    coalesceReplies?: boolean;
  }
}
