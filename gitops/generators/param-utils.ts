/** One parameter set: what a generator yields and a template sees as `.` (or as `{{key}}`). */
export type Params = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Argo's `utils.SanitizeName` (the `nameNormalized` / `basenameNormalized` params and the
 * `normalize` template function): lower case, anything but `[-a-z0-9.]` becomes `-`, at most 253
 * characters, no leading or trailing `-` or `.`.
 */
export function sanitizeName(name: string): string {
  let out = name.toLowerCase().replace(/[^-a-z0-9.]/gu, "-");
  if (out.length > 253) out = out.slice(0, 253);
  return out.replace(/^[-.]+|[-.]+$/gu, "");
}

/** Go's `fmt.Sprintf("%v", v)` for the JSON-shaped values params hold. */
export function goFormat(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return goFloat(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null || value === undefined) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goFormat).join(" ")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(value[k])}`).join(" ")}]`;
  }
  return typeof value === "bigint" ? value.toString() : "<unsupported>";
}

/** `%v` of a float64 (strconv `g`, shortest): exponent form when the exponent is < -4 or >= 6. */
function goFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mantissa = "", expText = "0"] = f.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    const abs = Math.abs(exp);
    return `${mantissa}e${sign}${abs < 10 ? "0" : ""}${abs}`;
  }
  return String(f);
}

/**
 * `github.com/jeremywohl/flatten` DotStyle, as Argo uses it for git file params and for
 * selector matching: nested maps become `a.b`, arrays `a.0`, empty ones vanish; leaves are
 * formatted with `%v`.
 */
export function flattenParams(value: Params, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  for (const [key, member] of Object.entries(value)) {
    const name = prefix === "" ? key : `${prefix}.${key}`;
    if (isPlainObject(member)) flattenParams(member, name, out);
    else if (Array.isArray(member)) {
      flattenParams(Object.fromEntries(member.map((m, i) => [String(i), m])), name, out);
    } else out[name] = goFormat(member);
  }
  return out;
}

/** Flattens without formatting leaves (git file params in fasttemplate mode keep `%v` strings). */
export function flattenToStrings(value: Params): Record<string, string> {
  return flattenParams(value);
}

/**
 * `mergo.Merge(&dst, src, mergo.WithOverride)` on `map[string]any`: nested maps merge key by key,
 * everything else in `src` replaces what `dst` has. Returns a new object; inputs are not changed.
 */
export function mergeOverride(dst: Params, src: Params): Params {
  const out: Params = { ...dst };
  for (const [key, value] of Object.entries(src)) {
    const current = out[key];
    if (isPlainObject(current) && isPlainObject(value)) out[key] = mergeOverride(current, value);
    else out[key] = value;
  }
  return out;
}

/**
 * Argo's `utils.CombineStringMaps` (matrix in fasttemplate mode): both sides as `%v` strings; a key
 * present on both sides with different values is an error.
 */
export function combineStringMaps(a: Params, b: Params): { params: Params } | { conflict: string; left: string; right: string } {
  const out: Params = {};
  for (const [k, v] of Object.entries(a)) out[k] = goFormat(v);
  for (const [k, v] of Object.entries(b)) {
    const value = goFormat(v);
    const current = out[k];
    if (current !== undefined && current !== value) return { conflict: k, left: current as string, right: value };
    out[k] = value;
  }
  return { params: out };
}

/** A deep copy of JSON-shaped data (generator elements are never shared between param sets). */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
