// A structured MIME header value (Content-Type, Content-Disposition) read the way postal-mime, our
// parser, reads it: comments dropped, parameters split at ";" outside quotes, the first of a
// repeated parameter kept, RFC 2231 continuations (boundary*0=…; boundary*1*=…) joined. The MIME
// scan before 250 (mime-structure.ts) must find the same boundaries the parser will, or a message
// could look small to the scan and huge to the parser; so this follows postal-mime's rules, odd
// cases included, rather than a stricter reading of RFC 2045.

export interface StructuredValue {
  /** e.g. "multipart/mixed", lowercased. */
  value: string;
  /** Parameter names lowercased. */
  params: Map<string, string>;
}

/** Comments in parentheses, outside quoted strings; inside a parameter value only after whitespace
 * (`name=Invoice(1).pdf` keeps its parentheses). An unbalanced "(" followed by ";" is kept. */
function stripComments(text: string): string {
  let out = "";
  let depth = 0;
  let escaped = false;
  let quoted = false;
  let commentStart = -1;
  let inValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (escaped) {
      if (depth === 0) out += c;
      escaped = false;
      continue;
    }
    if (c === "\\") {
      escaped = true;
      if (depth === 0) out += c;
      continue;
    }
    if (c === '"' && depth === 0) {
      quoted = !quoted;
      out += c;
      continue;
    }
    if (!quoted) {
      const last = out[out.length - 1];
      if (c === "(" && (!inValue || out.length === 0 || last === " " || last === "\t")) {
        if (depth === 0) commentStart = i;
        depth++;
        continue;
      }
      if (c === ")" && depth > 0) {
        depth--;
        continue;
      }
      if (depth === 0 && c === "=") inValue = true;
      else if (depth === 0 && c === ";") inValue = false;
    }
    if (depth === 0) out += c;
  }
  if (depth === 0) return out;
  return text.indexOf(";", commentStart) < 0 ? out : text;
}

export function parseStructured(header: string): StructuredValue {
  const text = stripComments(header);
  let value = "";
  const params = new Map<string, string>();
  let key: string | null = null;
  let current = "";
  let pendingSpace = "";
  let quote = false;
  let quoteClosed = false;
  let escaped = false;
  let inKey = false;

  const add = (c: string) => {
    if (current.length > 0) current += pendingSpace;
    pendingSpace = "";
    current += c;
  };
  const take = () => {
    const result = current;
    current = "";
    pendingSpace = "";
    quoteClosed = false;
    return result;
  };
  const store = (name: string, v: string) => {
    if (!params.has(name)) params.set(name, v);
  };
  const storeValue = () => {
    const v = take();
    if (key === null) value = v;
    else store(key, v);
  };
  const storeEmptyKey = () => {
    const name = take().trim();
    if (name) store(name.toLowerCase(), "");
  };

  for (const c of text) {
    if (inKey) {
      if (c === "=") {
        key = take().trim().toLowerCase();
        inKey = false;
      } else if (c === ";") storeEmptyKey();
      else current += c;
      continue;
    }
    if (escaped) add(c);
    else if (quote && c === "\\") {
      escaped = true;
      continue;
    } else if (quote && c === '"') {
      quote = false;
      quoteClosed = true;
    } else if (!quote && c === '"') {
      quote = true;
      if (current.length > 0) current += pendingSpace;
      pendingSpace = "";
    } else if (!quote && c === ";") {
      storeValue();
      inKey = true;
    } else if (!quote && (c === " " || c === "\t")) pendingSpace += c;
    else if (!quoteClosed) add(c);
    escaped = false;
  }
  if (inKey) storeEmptyKey();
  else storeValue();
  joinContinuations(params);
  return { value: value.toLowerCase(), params };
}

/** RFC 2231: `name*0`, `name*1*` … joined in order (percent-decoded where the section name ends in
 * "*"), replacing a plain `name` as postal-mime does. */
function joinContinuations(params: Map<string, string>): void {
  const sections = new Map<string, { nr: number; value: string; encoded: boolean }[]>();
  for (const [name, value] of [...params]) {
    const m = /\*((\d+)\*?)?$/.exec(name);
    if (!m) continue;
    params.delete(name);
    const base = name.slice(0, m.index);
    const nr = Number(m[2]) || 0;
    const encoded = m[0].endsWith("*");
    const list = sections.get(base) ?? [];
    list.push({ nr, value: nr === 0 && encoded ? value.replace(/^[^']*'[^']*'/, "") : value, encoded });
    sections.set(base, list);
  }
  for (const [base, list] of sections) {
    params.set(base, list.sort((a, b) => a.nr - b.nr).map((s) => (s.encoded ? percentDecode(s.value) : s.value)).join(""));
  }
}

function percentDecode(text: string): string {
  const bytes = Buffer.from(text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), "latin1");
  return bytes.toString("utf8");
}
