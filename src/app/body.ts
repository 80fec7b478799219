/** Reads a request body as text without ever buffering more than the --max-body limit (413). */
import { HttpError } from "../errors.ts";

export async function readBody(req: Request, max: number): Promise<string> {
  const tooLarge = () => new HttpError(413, `request body is larger than ${max} bytes (--max-body)`);
  const length = req.headers.get("content-length");
  if (length !== null) {
    // A declared length bounds the body (Bun reads no further): one native read, no stream.
    if (Number(length) > max) throw tooLarge();
    return req.text();
  }
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of req.body) {
    total += chunk.byteLength;
    if (total > max) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total).toString("utf8");
}
