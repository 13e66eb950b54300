// The frame an HTML mail is shown in. Sandboxed without allow-scripts: nothing in the mail runs.
// allow-same-origin lets the app read the frame's height (it cannot run code there, so the mail gets
// nothing from it); allow-popups(-to-escape-sandbox) lets its links open in a new, ordinary tab. The
// frame inherits the page's CSP, so even markup the sanitizer missed loads nothing from elsewhere.
import { useEffect, useRef } from "preact/hooks";

/** A frame that keeps growing (content sized in vh follows the frame) is stopped here. */
const MAX_HEIGHT = 40_000;
const MAX_RESIZES_PER_SECOND = 30;

export function MessageFrame({ html, title }: { html: string; title: string }) {
  const ref = useRef<HTMLIFrameElement>(null);

  useEffect(() => {
    const frame = ref.current!;
    let stop = () => {};
    const fitToContent = () => {
      stop();
      const doc = frame.contentDocument;
      if (!doc?.documentElement) return;
      let resizes = 0;
      let since = performance.now();
      const fit = () => {
        const now = performance.now();
        if (now - since > 1000) (resizes = 0), (since = now);
        if (++resizes > MAX_RESIZES_PER_SECOND) return stop();
        const body = doc.body;
        // Mail that sets html/body to height:100% is as tall as the frame, whatever it holds: its
        // overflow tells the real height.
        const content = Math.max(doc.documentElement.getBoundingClientRect().height, body ? body.getBoundingClientRect().top + body.scrollHeight : 0);
        frame.style.height = `${Math.min(MAX_HEIGHT, Math.ceil(content))}px`;
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
