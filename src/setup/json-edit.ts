/**
 * Pure: edits a JSON text in place, touching only the bytes of the properties it adds, replaces
 * or removes. Key order, unknown keys, the spacing of every other line (a one-line `args` array
 * stays on one line), line ends and the trailing newline are kept. New lines are indented the
 * way the file already is (2 or 4 spaces, or tabs) with its LF or CRLF line ends; a property
 * added to a one-line object stays on that line.
 *
 *   text ─▶ parseTree (positions) ─▶ one splice per edit ─▶ text
 *
 * jsonc-parser's own `modify` re-formats the whole line an insertion lands on, which would
 * re-flow a neighbouring `"args": [...]`; so the splices are ours and only the positions are its.
 */
import { findNodeAtLocation, parseTree, type JSONPath, type Node } from "jsonc-parser";

export interface JsonFormat {
  /** One indentation step: "  ", "    " or "\t". */
  unit: string;
  eol: "\n" | "\r\n";
}

/** The file's own indentation step and line end, read from its first indented line. */
export function detectFormat(text: string): JsonFormat {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  if (indent?.startsWith("\t")) return { unit: "\t", eol };
  return { unit: " ".repeat(indent?.length || 2), eol };
}

export interface JsonEdit {
  /** Where the property is: the path of its object, then its key. */
  path: JSONPath;
  /** The new value; undefined removes the property. */
  value: unknown;
}

/** Applies the edits one after the other, each to the text the previous one left. */
export function editJson(text: string, edits: JsonEdit[]): string {
  const format = detectFormat(text);
  let result = text;
  for (const edit of edits) result = applyEdit(result, edit, format);
  return result;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

/** The spaces and tabs that start the line `offset` is on. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** `value` as pretty JSON whose continuation lines start at `indent`. */
function pretty(value: unknown, indent: string, format: JsonFormat): string {
  return JSON.stringify(value, null, format.unit).split("\n").join(format.eol + indent);
}

/** `value` on one line, spaced like hand-written JSON: `{"A": "1", "B": ["x", "y"]}`. */
function oneLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${oneLine(item)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}

function applyEdit(text: string, edit: JsonEdit, format: JsonFormat): string {
  const tree = parseTree(text);
  const key = String(edit.path.at(-1));
  const parent = tree && findNodeAtLocation(tree, edit.path.slice(0, -1));
  if (!parent || parent.type !== "object") throw new Error(`no object at ${edit.path.slice(0, -1).join(".")}`);
  const properties = parent.children ?? [];
  const index = properties.findIndex((property) => property.children?.[0]?.value === key);
  const property = properties[index];
  if (edit.value === undefined) return property ? remove(text, parent, index) : text;
  if (property) {
    const value = property.children![1]!;
    return splice(text, value.offset, value.offset + value.length, pretty(edit.value, lineIndent(text, property.offset), format));
  }
  return insert(text, parent, key, edit.value, format);
}

function insert(text: string, parent: Node, key: string, value: unknown, format: JsonFormat): string {
  const properties = parent.children ?? [];
  const last = properties.at(-1);
  if (!last) {
    const outer = lineIndent(text, parent.offset);
    const inner = outer + format.unit;
    const body = `${format.eol}${inner}${JSON.stringify(key)}: ${pretty(value, inner, format)}${format.eol}${outer}`;
    return splice(text, parent.offset + 1, parent.offset + parent.length - 1, body);
  }
  const end = last.offset + last.length;
  const multiline = text.slice(parent.offset, properties[0]!.offset).includes("\n");
  if (!multiline) return splice(text, end, end, `, ${JSON.stringify(key)}: ${oneLine(value)}`);
  const indent = lineIndent(text, last.offset);
  return splice(text, end, end, `,${format.eol}${indent}${JSON.stringify(key)}: ${pretty(value, indent, format)}`);
}

/** Removes the property with its separator: from the end of the one before it, or up to the one after it. */
function remove(text: string, parent: Node, index: number): string {
  const properties = parent.children!;
  const property = properties[index]!;
  if (properties.length === 1) return splice(text, parent.offset + 1, parent.offset + parent.length - 1, "");
  if (index > 0) {
    const before = properties[index - 1]!;
    return splice(text, before.offset + before.length, property.offset + property.length, "");
  }
  return splice(text, property.offset, properties[1]!.offset, "");
}
