/**
 * Values as typed on the command line (a port, seconds, a size, a count) → numbers, each with
 * the error a user should see, and `printable()` for echoing their input back safely. The
 * CLI and the subcommands use these; resolveOptions() checks the numbers again, whoever calls it.
 */
import { OptionsError } from "./errors.ts";
import { MAX_BUSY_POLL_MS } from "./options.ts";
import { printable } from "./printable.ts";

/** The one place a port string from the command line becomes a number. */
export function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new OptionsError(`invalid port "${printable(text)}": expected a number from 0 to 65535`);
  const port = Number(text);
  if (port > 65535) throw new OptionsError(`invalid port ${port}: expected a number from 0 to 65535`);
  return port;
}

/** Seconds as typed on the command line (`30`, `0.5`) → milliseconds. */
export function parseSeconds(flag: string, text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0)) {
    throw new OptionsError(`invalid ${flag} "${printable(text)}": expected a positive number of seconds`);
  }
  return seconds * 1000;
}

const byteUnits: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** Microseconds as typed on the command line (`200`; `0` is off) → milliseconds. */
export function parseMicroseconds(flag: string, text: string): number {
  const us = Number(text);
  if (!/^\d{1,9}$/.test(text) || us > MAX_BUSY_POLL_MS * 1000) {
    throw new OptionsError(`invalid ${flag} "${printable(text)}": expected microseconds from 0 to ${MAX_BUSY_POLL_MS * 1000}`);
  }
  return us / 1000;
}

/** A size as typed on the command line (`4194304`, `512kb`, `4mb`; units are binary) → bytes. */
export function parseBytes(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = byteUnits[match?.[2]?.toLowerCase() ?? "?"];
  const bytes = match && unit ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!(bytes > 0)) throw new OptionsError(`invalid ${flag} "${printable(text)}": expected a size such as 4194304, 512kb or 4mb`);
  return bytes;
}

/** A count as typed on the command line → a positive whole number. */
export function parseCount(flag: string, text: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) === 0) throw new OptionsError(`invalid ${flag} "${printable(text)}": expected a positive whole number`);
  return Number(text);
}
