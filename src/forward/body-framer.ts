/**
 * Pure, streaming: where a message body ends (RFC 9112 §6–§7), fed bytes as they arrive.
 *
 *   none          no body (HEAD, 1xx, 204, 304, a request without framing headers)
 *   length N      exactly N bytes
 *   chunked       chunk-size [ext] CRLF data CRLF … 0 CRLF [trailers] CRLF, strictly CRLF
 *   close         everything until the sender closes (responses only)
 *
 * `feed` says how many of the given bytes belong to the body (raw, as they go on the wire)
 * and whether the body is complete; `onData` gets the decoded payload when the caller needs
 * to re-frame it (a chunked response to an HTTP/1.0 client). A framing error throws.
 */
export type Framing = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };

export class FramingError extends Error {
  override name = "FramingError";
}

type ChunkState = "size" | "bws" | "ext" | "size-lf" | "data" | "data-cr" | "data-lf" | "trailer" | "trailer-lf" | "done";

const MAX_CHUNK_SIZE_DIGITS = 13; // 16^13 > 2^52: anything longer is not a real chunk
const MAX_TRAILER_BYTES = 16 * 1024;

export class BodyFramer {
  done: boolean;
  private remaining: number;
  private state: ChunkState = "size";
  private sizeDigits = 0;
  private trailerBytes = 0;
  private lineEmpty = true;

  constructor(
    readonly framing: Framing,
    private readonly onData?: (data: Uint8Array) => void,
  ) {
    this.done = framing.kind === "none" || (framing.kind === "length" && framing.length === 0);
    this.remaining = framing.kind === "length" ? framing.length : 0;
  }

  /** Returns how many bytes of `bytes` are body; the rest belongs to whatever follows. */
  feed(bytes: Uint8Array): number {
    if (this.done) return 0;
    switch (this.framing.kind) {
      case "length": {
        const take = Math.min(this.remaining, bytes.length);
        this.remaining -= take;
        this.onData?.(bytes.subarray(0, take));
        if (this.remaining === 0) this.done = true;
        return take;
      }
      case "close":
        this.onData?.(bytes);
        return bytes.length;
      case "chunked":
        return this.feedChunked(bytes);
      default:
        return 0;
    }
  }

  private feedChunked(bytes: Uint8Array): number {
    let i = 0;
    while (i < bytes.length && this.state !== "done") {
      const b = bytes[i]!;
      switch (this.state) {
        case "size": {
          const digit = hexValue(b);
          if (digit >= 0) {
            if (++this.sizeDigits > MAX_CHUNK_SIZE_DIGITS) throw new FramingError("chunk size too large");
            this.remaining = this.remaining * 16 + digit;
            i++;
          } else {
            if (this.sizeDigits === 0) throw new FramingError("missing chunk size");
            // chunk-size [ BWS ";" chunk-ext ] CRLF (RFC 9112 §7.1.1): anything else after the
            // digits ("5xyz", "0x5") is refused, not read as an extension, so we never frame a
            // body differently from a stricter parser behind us.
            this.state = "bws";
          }
          break;
        }
        case "bws":
          if (b === 0x3b) this.state = "ext";
          else if (b === 0x0d) this.state = "size-lf";
          else if (b !== 0x20 && b !== 0x09) throw new FramingError("junk after the chunk size");
          i++;
          break;
        case "ext":
          // BWS ";" ext-name [= ext-val]: passed through unread, up to the CR.
          if (b === 0x0d) this.state = "size-lf";
          else if (b === 0x0a || b === 0x00) throw new FramingError("bare LF or NUL in a chunk header");
          i++;
          break;
        case "size-lf":
          if (b !== 0x0a) throw new FramingError("chunk size line not ended by CRLF");
          i++;
          this.sizeDigits = 0;
          this.state = this.remaining === 0 ? "trailer" : "data";
          this.lineEmpty = true;
          break;
        case "data": {
          const take = Math.min(this.remaining, bytes.length - i);
          this.onData?.(bytes.subarray(i, i + take));
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = "data-cr";
          break;
        }
        case "data-cr":
          if (b !== 0x0d) throw new FramingError("chunk data not followed by CRLF");
          this.state = "data-lf";
          i++;
          break;
        case "data-lf":
          if (b !== 0x0a) throw new FramingError("chunk data not followed by CRLF");
          this.state = "size";
          i++;
          break;
        case "trailer":
          if (++this.trailerBytes > MAX_TRAILER_BYTES) throw new FramingError("trailer section too large");
          if (b === 0x0d) this.state = "trailer-lf";
          else if (b === 0x0a || b === 0x00) throw new FramingError("bare LF or NUL in the trailer section");
          else this.lineEmpty = false;
          i++;
          break;
        case "trailer-lf":
          if (b !== 0x0a) throw new FramingError("trailer line not ended by CRLF");
          i++;
          if (this.lineEmpty) this.state = "done";
          else {
            this.state = "trailer";
            this.lineEmpty = true;
          }
          break;
      }
    }
    if (this.state === "done") this.done = true;
    return i;
  }
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}
