import { FlotillaError } from "../core/index.js";

/** `60s`, `5m`, `1500ms` or plain seconds → milliseconds; a malformed value names its flag. */
export function parseDuration(value: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (m?.[1] === undefined) throw new FlotillaError("INVALID_FLAG", `"${value}" is not a duration like 60s or 5m`, { field });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"] ?? 1000;
  return Math.round(Number(m[1]) * unit);
}
