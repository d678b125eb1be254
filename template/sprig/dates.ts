import type { Clock } from "../../core/index.js";
import { goFunc, type GoFunction } from "../go-function.js";
import { GoTime, formatGoTime, parseGoTime } from "../go-time.js";
import { toInt64 } from "./cast.js";

/**
 * Sprig's date functions with an injected clock. Every zone is UTC (see go-time.ts): `dateInZone`
 * accepts a zone name for compatibility and renders in UTC.
 */
function toTime(date: unknown, clock: Clock): GoTime {
  if (date instanceof GoTime) return date;
  if (typeof date === "bigint") return new GoTime(Number(date) * 1000);
  // Sprig falls back to time.Now() for anything else (floats included).
  return new GoTime(clock.now());
}

/** Go's `time.ParseDuration`, in milliseconds; undefined when it does not parse. */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (m === null) {
    if (s === "0" || s === "+0" || s === "-0") return 0;
    return undefined;
  }
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const part of s.replace(/^[+-]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (units[part[2] ?? "s"] ?? 0);
  }
  return m[1] === "-" ? -total : total;
}

/** Go's `Duration.String()` for a whole number of seconds or milliseconds. */
export function goDurationString(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${neg ? "-" : ""}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  let out = "";
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  out += `${s}s`;
  return (neg ? "-" : "") + out;
}

/** Go's zero `time.Time` (0001-01-01 00:00:00 UTC), what `toDate` returns for text it cannot parse. */
export const ZERO_TIME = new GoTime(Date.UTC(2000, 0, 1) - 730_119 * 86_400_000);

export { parseGoTime };

/**
 * Sprig's `durationRound`: the largest whole unit (y = 365 days, mo = 30 days, d, h, m, s) of a
 * duration given as Go duration text, an int (nanoseconds, as Go's `int64` case) or a time
 * (time since it).
 */
function durationRound(v: unknown, clock: Clock): string {
  let ns: bigint;
  if (typeof v === "string") {
    const ms = parseGoDuration(v);
    ns = ms === undefined ? 0n : BigInt(Math.round(ms * 1e6));
  } else if (typeof v === "bigint") ns = v;
  else if (v instanceof GoTime) ns = BigInt(Math.round((clock.now() - v.ms) * 1e6));
  else ns = 0n;
  const u = ns < 0n ? -ns : ns;
  const hour = 3_600_000_000_000n;
  const units: ReadonlyArray<readonly [bigint, string]> = [
    [hour * 24n * 365n, "y"],
    [hour * 24n * 30n, "mo"],
    [hour * 24n, "d"],
    [hour, "h"],
    [60_000_000_000n, "m"],
    [1_000_000_000n, "s"],
  ];
  for (const [size, name] of units) if (u > size) return `${u / size}${name}`;
  return "0s";
}

function dateModify(f: string, t: GoTime): GoTime {
  const ms = parseGoDuration(f);
  return ms === undefined ? t : new GoTime(t.ms + ms);
}

function mustDateModify(f: string, t: GoTime): GoTime {
  const ms = parseGoDuration(f);
  if (ms === undefined) throw new Error(`time: invalid duration ${JSON.stringify(f)}`);
  return new GoTime(t.ms + ms);
}

export function dateFuncs(clock: Clock): ReadonlyArray<readonly [string, GoFunction]> {
  const date = (layout: string, d: unknown): string => formatGoTime(toTime(d, clock), layout);
  const inZone = (layout: string, d: unknown, _zone: string): string => formatGoTime(toTime(d, clock), layout);
  return [
    ["now", goFunc([], () => new GoTime(clock.now()))],
    ["date", goFunc(["string", "any"], date)],
    ["dateInZone", goFunc(["string", "any", "string"], inZone)],
    ["date_in_zone", goFunc(["string", "any", "string"], inZone)],
    ["htmlDate", goFunc(["any"], (d: unknown) => date("2006-01-02", d))],
    ["htmlDateInZone", goFunc(["any", "string"], (d: unknown, z: string) => inZone("2006-01-02", d, z))],
    ["unixEpoch", goFunc(["any"], (d: unknown) => toTime(d, clock).unix().toString())],
    ["dateModify", goFunc(["string", "time"], dateModify)],
    ["date_modify", goFunc(["string", "time"], dateModify)],
    ["mustDateModify", goFunc(["string", "time"], mustDateModify)],
    ["must_date_modify", goFunc(["string", "time"], mustDateModify)],
    ["toDate", goFunc(["string", "string"], (layout: string, s: string) => {
      try {
        return parseGoTime(layout, s);
      } catch {
        return ZERO_TIME;
      }
    })],
    ["mustToDate", goFunc(["string", "string"], parseGoTime)],
    ["durationRound", goFunc(["any"], (d: unknown) => durationRound(d, clock))],
    ["ago", goFunc(["any"], (d: unknown) => goDurationString(Math.round((clock.now() - toTime(d, clock).ms) / 1000) * 1000))],
    ["duration", goFunc(["any"], (sec: unknown) => goDurationString(Number(toInt64(sec)) * 1000))],
  ];
}
