// The option scripts/patch-dependencies.mjs adds to smtp-server at install: the early-talker pause
// before the greeting, in ms (absent: 100, upstream's fixed pause; 0: greet at once).
import "smtp-server";

declare module "smtp-server" {
  interface SMTPServerOptions {
    earlyTalkerDelay?: number;
  }
}
