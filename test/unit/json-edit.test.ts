import { describe, expect, test } from "bun:test";
import { detectFormat, editJson } from "../../src/setup/json-edit.ts";

const add = [
  { path: ["s", "a", "env", "HTTP_PROXY"], value: "http://127.0.0.1:1" },
  { path: ["s", "a", "env", "NO_PROXY"], value: "localhost" },
];
const remove = add.map((edit) => ({ ...edit, value: undefined }));

describe("detectFormat", () => {
  test("reads 2 spaces, 4 spaces, tabs and CRLF from the file itself", () => {
    expect(detectFormat('{\n  "a": 1\n}')).toEqual({ unit: "  ", eol: "\n" });
    expect(detectFormat('{\n    "a": 1\n}')).toEqual({ unit: "    ", eol: "\n" });
    expect(detectFormat('{\r\n\t"a": 1\r\n}')).toEqual({ unit: "\t", eol: "\r\n" });
    expect(detectFormat('{"a": 1}')).toEqual({ unit: "  ", eol: "\n" });
  });
});

describe("editJson", () => {
  for (const [name, unit, eol] of [
    ["2 spaces", "  ", "\n"],
    ["4 spaces", "    ", "\n"],
    ["tabs", "\t", "\n"],
    ["4 spaces with CRLF", "    ", "\r\n"],
    ["tabs with CRLF", "\t", "\r\n"],
  ] as const) {
    test(`adds keys indented with ${name} and takes them out again byte for byte`, () => {
      const i = (n: number) => unit.repeat(n);
      const text = ["{", `${i(1)}"s": {`, `${i(2)}"a": {`, `${i(3)}"args": ["-y", "x"],`, `${i(3)}"env": {`, `${i(4)}"KEEP": "1"`, `${i(3)}}`, `${i(2)}}`, `${i(1)}}`, "}", ""].join(eol);
      const edited = editJson(text, add);
      expect(edited).toContain(`${i(4)}"KEEP": "1",${eol}${i(4)}"HTTP_PROXY": "http://127.0.0.1:1",${eol}${i(4)}"NO_PROXY": "localhost"${eol}`);
      expect(edited).toContain(`"args": ["-y", "x"],`);
      if (eol === "\n") expect(edited).not.toContain("\r");
      else expect(edited.split("\r\n").some((line) => line.includes("\n"))).toBe(false);
      expect(editJson(edited, remove)).toBe(text);
    });
  }

  test("creates a missing env object in the file's indentation and keeps a missing trailing newline missing", () => {
    const text = '{\n    "s": {\n        "a": {\n            "command": "npx"\n        }\n    }\n}';
    const edited = editJson(text, [{ path: ["s", "a", "env"], value: { HTTP_PROXY: "u" } }]);
    expect(edited).toBe('{\n    "s": {\n        "a": {\n            "command": "npx",\n            "env": {\n                "HTTP_PROXY": "u"\n            }\n        }\n    }\n}');
    expect(editJson(edited, [{ path: ["s", "a", "env"], value: undefined }])).toBe(text);
  });

  test("adds to a one-line object on that line, and fills an empty {} on new lines", () => {
    expect(editJson('{"s": {"a": {"env": {"K": "1"}}}}\n', add)).toBe('{"s": {"a": {"env": {"K": "1", "HTTP_PROXY": "http://127.0.0.1:1", "NO_PROXY": "localhost"}}}}\n');
    expect(editJson('{\n  "s": {\n    "a": {\n      "env": {}\n    }\n  }\n}\n', add.slice(0, 1))).toBe(
      '{\n  "s": {\n    "a": {\n      "env": {\n        "HTTP_PROXY": "http://127.0.0.1:1"\n      }\n    }\n  }\n}\n',
    );
  });

  test("replaces a value in place and keeps unknown keys and their order", () => {
    const text = '{\n  "z": 1,\n  "s": {"a": {"env": {"A": "x", "HTTP_PROXY": "old", "B": "y"}}},\n  "y": [1, 2]\n}\n';
    expect(editJson(text, [{ path: ["s", "a", "env", "HTTP_PROXY"], value: "new" }])).toBe(text.replace('"old"', '"new"'));
  });

  test("removes the first of several properties together with its comma", () => {
    const text = '{\n  "env": {\n    "A": "1",\n    "B": "2"\n  }\n}\n';
    expect(editJson(text, [{ path: ["env", "A"], value: undefined }])).toBe('{\n  "env": {\n    "B": "2"\n  }\n}\n');
  });
});
