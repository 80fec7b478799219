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

/** One pass over the head: [first line, index where the fields start]. */
function firstLine(head: string): [string, number] {
  let eol = head.indexOf("\n");
  if (eol === -1) eol = head.length;
  const end = eol > 0 && head.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
  return [head.slice(0, end), eol + 1];
}

/** `head` from `start` to `end`, without leading and trailing SP/HTAB (OWS). */
function trimOws(head: string, start: number, end: number): string {
  while (start < end && (head.charCodeAt(start) === 32 || head.charCodeAt(start) === 9)) start++;
  while (end > start && (head.charCodeAt(end - 1) === 32 || head.charCodeAt(end - 1) === 9)) end--;
  return head.slice(start, end);
}

/**
 * The field lines of `head` from `at` up to the empty line, in one pass without splitting the
 * head into line strings (this runs twice per forwarded request). A bare CR anywhere in a line
 * fails the name or value check.
 */
export function parseFields(head: string, at: number, fail: (reason: string) => never): HeaderField[] {
  const fields: HeaderField[] = [];
  while (at < head.length) {
    let eol = head.indexOf("\n", at);
    if (eol === -1) eol = head.length;
    const end = eol > at && head.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    if (end === at) break; // the empty line
    const first = head.charCodeAt(at);
    if (first === 32 || first === 9) fail("obsolete line folding in a header");
    const colon = head.indexOf(":", at);
    if (colon === -1 || colon >= end) fail("header line without a name and colon");
    const name = head.slice(at, colon);
    if (!token.test(name)) fail("invalid header name (whitespace before the colon?)");
    const value = trimOws(head, colon + 1, end);
    if (badValueChar.test(value)) fail("control character in a header value");
    fields.push({ name, key: name.toLowerCase(), value });
    at = eol + 1;
  }
  return fields;
}

export function parseRequestHead(head: string): RequestHead {
  const fail = (reason: string): never => {
    throw new HttpError(400, `bad request: ${reason}`);
  };
  const [line, fieldsAt] = firstLine(head);
  const parts = line.split(" ");
  if (parts.length !== 3) fail("malformed request line");
  const [method, target, version] = parts as [string, string, string];
  if (!token.test(method)) fail("invalid method");
  if (!target || /[\x00-\x20\x7f]/.test(target)) fail("control character or space in the request target");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") fail("unsupported HTTP version");
  return { method, target, version: version as RequestHead["version"], headers: parseFields(head, fieldsAt, fail) };
}

const statusLine = /^(HTTP\/1\.[01]) (\d{3})(?: (.*))?$/;

/** A malformed upstream head is the upstream's fault: 502. */
export function parseResponseHead(head: string): ResponseHead {
  const fail = (reason: string): never => {
    throw new HttpError(502, `bad response from upstream: ${reason}`);
  };
  const [line, fieldsAt] = firstLine(head);
  const match = statusLine.exec(line);
  if (!match) fail("malformed status line");
  const [, version, status, reason = ""] = match!;
  if (badValueChar.test(reason)) fail("control character in the reason phrase");
  return { version: version!, status: Number(status), reason, headers: parseFields(head, fieldsAt, fail) };
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
