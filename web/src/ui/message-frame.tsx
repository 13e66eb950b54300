// The frame an HTML mail is shown in. Sandboxed without allow-scripts: nothing in the mail runs.
// allow-same-origin lets the app read the frame's height (it cannot run code there, so the mail gets
// nothing from it); allow-popups(-to-escape-sandbox) lets its links open in a new, ordinary tab. The
// frame inherits the page's CSP, so even markup the sanitizer missed loads nothing from elsewhere.
import { useEffect, useRef } from "preact/hooks";

const MAX_HEIGHT = 40_000;
/** Content sized in vh follows the frame: each fit makes it taller by the same step, frame after
 * frame. That many equal steps in quick succession stop the fitting. */
const LOOP_STEPS = 5;
const LOOP_WINDOW_MS = 200;

export function MessageFrame({ html, title }: { html: string; title: string }) {
  const ref = useRef<HTMLIFrameElement>(null);

  useEffect(() => {
    const frame = ref.current!;
    let stop = () => {};
    const fitToContent = () => {
      stop();
      const doc = frame.contentDocument;
      if (!doc?.documentElement) return;
      let height = 0;
      let step = 0;
      let steps = 0;
      let lastAt = 0;
      const fit = () => {
        const body = doc.body;
        // Mail that sets html/body to height:100% is as tall as the frame, whatever it holds: its
        // overflow tells the real height.
        const content = Math.max(doc.documentElement.getBoundingClientRect().height, body ? body.getBoundingClientRect().top + body.scrollHeight : 0);
        const next = Math.min(MAX_HEIGHT, Math.ceil(content));
        if (next === height) return;
        const now = performance.now();
        steps = next - height === step && now - lastAt < LOOP_WINDOW_MS ? steps + 1 : 0;
        if (steps >= LOOP_STEPS) return stop();
        step = next - height;
        height = next;
        lastAt = now;
        frame.style.height = `${next}px`;
      };
      const observer = new ResizeObserver(fit);
      observer.observe(doc.documentElement);
      if (doc.body) observer.observe(doc.body);
      // An image that arrives late may overflow a fixed-height body without resizing it.
      doc.addEventListener("load", fit, true);
      stop = () => {
        observer.disconnect();
        doc.removeEventListener("load", fit, true);
      };
      fit();
    };
    frame.addEventListener("load", fitToContent);
    return () => {
      frame.removeEventListener("load", fitToContent);
      stop();
    };
  }, []);

  return (
    <iframe
      ref={ref}
      class="message-frame"
      title={title}
      sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
      referrerpolicy="no-referrer"
      srcdoc={html}
    />
  );
}
