/**
 * Pure: an HTTP/1.1 message head (RFC 9112 §2–§5) → typed fields, refusing every form that
 * two parsers could read two ways (the stuff request smuggling is made of): obs-fold,
 * whitespace before a colon, CR/LF/NUL in a value, a field name that is not a token.
 */
import { HttpError } from "../errors.ts";

export interface HeaderField {
  /** As received (case kept, for forwarding). */
  name: string;
  /** Lower-case, for lookups. */
  key: string;
  value: string;
}

export interface RequestHead {
  method: string;
  target: string;
  version: "HTTP/1.0" | "HTTP/1.1";
  headers: HeaderField[];
}

export interface ResponseHead {
  version: string;
  status: number;
  reason: string;
  headers: HeaderField[];
}

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible characters, SP, HTAB and obs-text; no CTLs (RFC 9110 §5.5).
const badValueChar = /[\x00-\x08\x0a-\x1f\x7f]/;

function splitLines(head: string): string[] {
  const lines = head.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The field value: `line` from `start`, without leading and trailing SP/HTAB (OWS). */
function trimOws(line: string, start: number): string {
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  return line.slice(start, end);
}

export function parseFields(lines: string[], fail: (reason: string) => never): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t")) fail("obsolete line folding in a header");
    if (line.includes("\r")) fail("bare CR in a header");
    const colon = line.indexOf(":");
    if (colon <= 0) fail("header line without a name and colon");
    const name = line.slice(0, colon);
    if (!token.test(name)) fail("invalid header name (whitespace before the colon?)");
    const value = trimOws(line, colon + 1);
    if (badValueChar.test(value)) fail("control character in a header value");
    fields.push({ name, key: name.toLowerCase(), value });
  }
  return fields;
}

export function parseRequestHead(head: string): RequestHead {
  const fail = (reason: string): never => {
    throw new HttpError(400, `bad request: ${reason}`);
  };
  const [line = "", ...rest] = splitLines(head);
  const parts = line.split(" ");
  if (parts.length !== 3) fail("malformed request line");
  const [method, target, version] = parts as [string, string, string];
  if (!token.test(method)) fail("invalid method");
  if (!target || /[\x00-\x20\x7f]/.test(target)) fail("control character or space in the request target");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") fail("unsupported HTTP version");
  return { method, target, version: version as RequestHead["version"], headers: parseFields(rest, fail) };
}

/** A malformed upstream head is the upstream's fault: 502. */
export function parseResponseHead(head: string): ResponseHead {
  const fail = (reason: string): never => {
    throw new HttpError(502, `bad response from upstream: ${reason}`);
  };
  const [line = "", ...rest] = splitLines(head);
  const match = /^(HTTP\/1\.[01]) (\d{3})(?: (.*))?$/.exec(line);
  if (!match) fail("malformed status line");
  const [, version, status, reason = ""] = match!;
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(reason)) fail("control character in the reason phrase");
  return { version: version!, status: Number(status), reason, headers: parseFields(rest, fail) };
}

/** Every value of a field, comma lists split and trimmed, lower-cased. */
export function tokens(headers: HeaderField[], key: string): string[] {
  const out: string[] = [];
  for (const field of headers) {
    if (field.key !== key) continue;
    for (const item of field.value.split(",")) {
      const token = item.trim().toLowerCase();
      if (token) out.push(token);
    }
  }
  return out;
}

/** A field we add ourselves (Via, Connection, Host). */
export function field(name: string, value: string): HeaderField {
  return { name, key: name.toLowerCase(), value };
}
