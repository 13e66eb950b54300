// A plain-text body: kept as written (pre-wrap), links clickable, quoted passages dimmed.
import { useMemo } from "preact/hooks";
import { textBlocks } from "../mail/linkify.ts";

export function MessageText({ text }: { text: string }) {
  const blocks = useMemo(() => textBlocks(text), [text]);
  return (
    <div class="plain-body">
      {blocks.map((b, i) => (
        <div key={i} class={b.quoted ? "quoted" : undefined}>
          {b.segments.map((s) =>
            typeof s === "string" ? (
              s
            ) : (
              <a href={s.href} target="_blank" rel="noopener noreferrer">
                {s.text}
              </a>
            ),
          )}
        </div>
      ))}
    </div>
  );
}
