/**
 * Child stdout bytes → JSON-RPC lines, the stdio framing of the MCP SDK
 * (`shared/stdio.ts` ReadBuffer): newline-delimited JSON, a trailing `\r` stripped, lines that
 * are not JSON skipped (reported through `onInvalid`), and a cap on one line's size.
 *
 * Pure: no I/O. Bytes are kept undecoded until a line is complete, so a UTF-8 character split
 * across chunks is never mangled, and a long line costs one copy, not one per chunk. Each line
 * comes with the value its validation parsed, so nobody parses it again.
 */

/** A line grew past the cap before its newline arrived; the stream cannot be resynchronised. */
export class LineTooLongError extends Error {
  override name = "LineTooLongError";
  constructor(readonly bytes: number, readonly maxLineBytes: number) {
    super(`a stdout line exceeded ${maxLineBytes} bytes without a newline`);
  }
}

export interface LineReaderOptions {
  /** Longest line accepted, in bytes, not counting the newline. */
  maxLineBytes: number;
  /** Called with a complete line that is not JSON (it is dropped, not returned). */
  onInvalid?(line: string): void;
}

/** One JSON line: its text as the child wrote it, and the value it parses to. */
export interface JsonLine {
  text: string;
  message: unknown;
}

const NEWLINE = 0x0a;
const decoder = new TextDecoder();

export class LineReader {
  /** Bytes of the line being assembled, not yet ended by a newline. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly options: LineReaderOptions) {}

  /** Feeds one chunk; returns the JSON lines it completed, in order. Throws LineTooLongError. */
  push(chunk: Uint8Array): JsonLine[] {
    const lines: JsonLine[] = [];
    let start = 0;
    for (;;) {
      const at = chunk.indexOf(NEWLINE, start);
      if (at === -1) break;
      this.take(chunk.subarray(start, at));
      this.emit(lines);
      start = at + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
    return lines;
  }

  /** End of input: a last line without a newline is still delivered if it is JSON. */
  end(): JsonLine[] {
    const lines: JsonLine[] = [];
    if (this.pendingBytes > 0) this.emit(lines);
    return lines;
  }

  private take(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const total = this.pendingBytes + bytes.length;
    // The cap counts a trailing \r too: one byte of slack is not worth a special case.
    if (total > this.options.maxLineBytes) {
      this.clear();
      throw new LineTooLongError(total, this.options.maxLineBytes);
    }
    // Copy: the caller may reuse its chunk buffer after push() returns.
    this.pending.push(bytes.slice());
    this.pendingBytes = total;
  }

  private emit(into: JsonLine[]): void {
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.clear();
    let line = decoder.decode(bytes);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.options.onInvalid?.(line);
      return;
    }
    into.push({ text: line, message });
  }

  private clear(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}
