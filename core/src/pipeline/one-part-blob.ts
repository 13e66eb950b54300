// postal-mime assembles every decoded body as `new Blob([line, "\n", line, "\n", …])` and reads it
// back with arrayBuffer(). Node's Blob handles each part separately (and reads them back one per
// microtask), so a 50 KB text body of ~700 lines took ~4.5 ms to parse; joined first, 0.5 ms.
// Node's Blob also copies what it is given, and arrayBuffer() copies it out again: two copies of
// every body, memory the thread holds until V8 collects them (README "Memory of a core"). So the
// joined bytes stay here, and the first arrayBuffer() hands them over as they are (postal-mime reads
// each body once; a later read copies). A Blob made of other parts is Node's, untouched.
// Installed only in the pipeline thread, where nothing hands a Blob to another thread or to
// URL.createObjectURL (those read Node's own copy, which a joined Blob does not have).
const NodeBlob = globalThis.Blob;
type Parts = NonNullable<ConstructorParameters<typeof Blob>[0]>;
type Part = Parts[number];

class OnePartBlob extends NodeBlob {
  /** The joined parts, or null: then this is Node's Blob. */
  readonly #bytes: Uint8Array | null;
  #handedOver = false;
  #node: Blob | null = null;

  constructor(parts?: Parts, options?: ConstructorParameters<typeof Blob>[1]) {
    // A joined Blob among the parts gives its bytes: Node's would read its own (empty) copy.
    const given = parts?.map((p) => (p instanceof OnePartBlob && p.#bytes ? p.#bytes : p));
    const joined = given && given.length > 1 && given.every(isJoinable) ? join(given as (string | Uint8Array)[]) : null;
    super(joined ? [] : (given ?? []), options);
    this.#bytes = joined;
  }

  static {
    // Node's `size` is an accessor, which TypeScript's Blob declares as a property.
    const nodeSize = Object.getOwnPropertyDescriptor(NodeBlob.prototype, "size")!.get!;
    Object.defineProperty(this.prototype, "size", {
      get(this: OnePartBlob) {
        return this.#bytes ? this.#bytes.byteLength : (nodeSize.call(this) as number);
      },
    });
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.#bytes;
    if (!b) return super.arrayBuffer();
    if (!this.#handedOver && b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) {
      this.#handedOver = true;
      return Promise.resolve(b.buffer);
    }
    return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }

  override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#bytes ? new Uint8Array(await this.arrayBuffer()) : (super.bytes() as Promise<Uint8Array<ArrayBuffer>>);
  }

  override text(): Promise<string> {
    return this.#bytes ? Promise.resolve(new TextDecoder().decode(this.#bytes)) : super.text();
  }

  override slice(start?: number, end?: number, contentType?: string): Blob {
    return this.#bytes ? this.#asNode(this.#bytes).slice(start, end, contentType) : super.slice(start, end, contentType);
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    return this.#bytes ? this.#asNode(this.#bytes).stream() : super.stream();
  }

  #asNode(bytes: Uint8Array): Blob {
    return (this.#node ??= new NodeBlob([bytes], { type: this.type }));
  }
}

function isJoinable(part: Part): boolean {
  return typeof part === "string" || part instanceof Uint8Array;
}

// Text parts alone (postal-mime's lines) are joined as one string, encoded once; a part ending in
// half a surrogate pair is kept apart, as Node encodes each part on its own (half a pair: U+FFFD).
function join(parts: (string | Uint8Array)[]): Uint8Array {
  if (parts.every((p) => typeof p === "string" && !endsInHighSurrogate(p))) return Buffer.from(parts.join(""), "utf8");
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
}

function endsInHighSurrogate(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
}

export function installOnePartBlob(): void {
  if (globalThis.Blob === NodeBlob) globalThis.Blob = OnePartBlob as typeof Blob;
}
