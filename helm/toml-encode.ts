import { formatValue, goSortedKeys, isGoMap } from "../template/index.js";

/**
 * BurntSushi/toml's encoder as Helm's `toToml` uses it: keys sorted, plain keys before tables,
 * nested tables as `[a.b]` indented two spaces a level, arrays of tables as `[[a]]`.
 * float64 values print with a fraction (`1.0`), as BurntSushi prints them.
 */
export function toToml(v: unknown): string {
  if (!isGoMap(v)) throw new Error("toml: top-level values must be Go maps or structs");
  const out: string[] = [];
  table(out, v, [], "");
  return out.join("");
}

function table(out: string[], m: Record<string, unknown>, path: string[], indent: string): void {
  const keys = goSortedKeys(m);
  for (const k of keys) {
    const val = m[k];
    if (val === null || val === undefined || isGoMap(val) || isArrayOfTables(val)) continue;
    out.push(`${indent}${key(k)} = ${value(val)}\n`);
  }
  for (const k of keys) {
    const val = m[k];
    const sub = [...path, k];
    if (isGoMap(val)) {
      if (out.length > 0) out.push("\n");
      out.push(`${indent}[${sub.map(key).join(".")}]\n`);
      table(out, val, sub, indent + "  ");
    } else if (isArrayOfTables(val)) {
      for (const item of val) {
        if (out.length > 0) out.push("\n");
        out.push(`${indent}[[${sub.map(key).join(".")}]]\n`);
        table(out, item as Record<string, unknown>, sub, indent + "  ");
      }
    }
  }
}

function isArrayOfTables(v: unknown): v is unknown[] {
  return Array.isArray(v) && v.length > 0 && v.every(isGoMap);
}

function key(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : quote(k);
}

function quote(s: string): string {
  // eslint-disable-next-line no-control-regex -- TOML escapes control characters
  return `"${s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case "\\": return "\\\\";
      case '"': return '\\"';
      case "\n": return "\\n";
      case "\t": return "\\t";
      case "\r": return "\\r";
      case "\b": return "\\b";
      case "\f": return "\\f";
      default: return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  })}"`;
}

function value(v: unknown): string {
  if (typeof v === "string") return quote(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    const s = formatValue(v);
    return Number.isInteger(v) && !/[e.]/.test(s) ? `${s}.0` : s;
  }
  if (Array.isArray(v)) return `[${v.filter((x) => x !== null && x !== undefined).map(value).join(", ")}]`;
  return quote(formatValue(v));
}
