// The one error a user sees for a script that is refused: where (1-based line and column, counted in
// characters, a tab counting as one) and what, so an editor can point at it.

export class SieveSyntaxError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(line: number, column: number, message: string) {
    super(message);
    this.name = "SieveSyntaxError";
    this.line = line;
    this.column = column;
  }

  /** Thrown at a character offset into the script; line and column are worked out only now, on failure. */
  static at(source: string, offset: number, message: string): SieveSyntaxError {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset && i < source.length; i++) {
      if (source.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    // Count characters, not UTF-16 units, so a column after "é" or an emoji is what an editor shows.
    const column = Array.from(source.slice(lineStart, Math.min(offset, source.length)).replace(/\r$/, "")).length + 1;
    return new SieveSyntaxError(line, column, message);
  }
}
