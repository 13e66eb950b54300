// CPU time spent by process trees (user + system, every thread, children reaped during the run
// included), read from /proc. On a shared, noisy machine the rate a server reaches moves with its
// neighbours, but the CPU it spends per message does not: the benchmarks print both.
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface Stat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  ticks: number;
}

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/** Milliseconds of CPU used so far by `roots` and every process below them. */
export function treeCpuMs(roots: number[]): number {
  return [...treeCpuByProcess(roots).values()].reduce((a, b) => a + b, 0);
}

/** The same, per process ("pid command"), to see which part of a system spends it. */
export function treeCpuByProcess(roots: number[]): Map<string, number> {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is Stat => s !== null);
  const children = new Map<number, Stat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const ms = new Map<string, number>();
  const walk = (s: Stat) => {
    ms.set(`${s.pid} ${s.comm}`, s.ticks * TICK_MS);
    for (const c of children.get(s.pid) ?? []) walk(c);
  };
  for (const root of roots) {
    const s = stat(root);
    if (s) walk(s);
  }
  return ms;
}
