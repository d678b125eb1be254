import { parse, TomlDate, TomlError } from "smol-toml";
import { GoTime } from "../template/index.js";
import { define } from "./helm-yaml.js";

/**
 * Helm's `fromToml` (BurntSushi/toml Unmarshal into map[string]interface{}): integers are int64
 * (bigints here), floats float64, tables maps, arrays slices, an offset date-time a time.Time (in
 * UTC here; Go keeps the offset). A
 * local date, time or date-time is kept as its TOML text (Go gives a time.Time in the local zone,
 * which this renderer does not have). On error, a map whose "Error" key holds the message, as
 * Helm's; the message names the line and column, never the document's text (it may be a secret).
 */
export function fromToml(text: string): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text, { integersAsBigInt: true });
  } catch (err) {
    if (!(err instanceof TomlError)) return { Error: `toml: ${err instanceof Error ? err.message : String(err)}` };
    const reason = (err.message.split("\n")[0] ?? "").replace(/^Invalid TOML document: /u, "");
    return { Error: `toml: line ${String(err.line)} column ${String(err.column)}: ${reason}` };
  }
  return goValue(doc) as Record<string, unknown>;
}

function goValue(v: unknown): unknown {
  if (v instanceof TomlDate) return v.isLocal() ? v.toISOString() : new GoTime(v.getTime());
  if (Array.isArray(v)) return v.map(goValue);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) define(out, k, goValue(val));
    return out;
  }
  return v;
}
