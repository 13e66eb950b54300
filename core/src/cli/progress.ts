// A progress bar on stderr for long CLI commands, drawn only on a terminal (a pipe or a log file
// gets the summary line alone), at most ten times a second.
export interface Progress {
  update(done: number, note?: string): void;
  finish(): void;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, finish() {} };
  let last = 0;
  const draw = (done: number, note = "") => {
    const width = 30;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * width);
    const line = `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${done.toLocaleString("en")}/${total.toLocaleString("en")} ${note}`;
    stream.write(`\r${line.slice(0, (stream.columns || 120) - 1).padEnd(Math.min(line.length, (stream.columns || 120) - 1))}\x1b[K`);
  };
  return {
    update(done, note) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      draw(done, note);
    },
    finish() {
      stream.write("\r\x1b[K");
    },
  };
}
