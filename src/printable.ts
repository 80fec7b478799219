/** User input shown back in an error message: control characters escaped, length capped. */
export function printable(text: string, max = 64): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text).slice(1, -1);
}
