// Every address a script can redirect mail to, whichever branch a message would take: what saving a
// script has to judge before it starts forwarding a user's mail somewhere.
import { normalizeAddress } from "../../../../shared/address.ts";
import type { Command, SieveScript } from "./script.ts";

function collect(commands: Command[], into: Set<string>): void {
  for (const command of commands) {
    if (command.type === "redirect") into.add(normalizeAddress(command.address) ?? command.address.toLowerCase());
    else if (command.type === "if") {
      for (const branch of command.branches) collect(branch.block, into);
      if (command.otherwise) collect(command.otherwise, into);
    }
  }
}

/** The script's redirect targets, normalised (lower case), each once, in the order written. */
export function redirectTargets(script: SieveScript): string[] {
  const targets = new Set<string>();
  collect(script.commands, targets);
  return [...targets];
}
