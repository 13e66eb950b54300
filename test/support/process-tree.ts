// The processes below a process, from /proc: what a test checks to know that helpers (an emulator, its
// workerd) run beside a core, and that they are gone after it.
import { readdirSync, readFileSync } from "node:fs";

/** A live process's executable name and parent (null once it is gone or a zombie waiting to be reaped). */
export function processInfo(pid: number): { name: string; ppid: number } | null {
  try {
    const [, name, state, ppid] = /^\d+ \((.*)\) (\S) (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))!;
    return state === "Z" ? null : { name: name!, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

export function descendants(root: number): { pid: number; name: string }[] {
  const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
  const found: { pid: number; name: string }[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const pid of all) {
      const p = processInfo(pid);
      if (p && parents.has(p.ppid) && !parents.has(pid)) {
        parents.add(pid);
        found.push({ pid, name: p.name });
        grew = true;
      }
    }
  }
  return found;
}
