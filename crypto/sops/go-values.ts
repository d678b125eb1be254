/**
 * The scalar model sops works with, mirroring Go: `string`, `int` (int64, kept as bigint so large
 * values stay exact), `float64` (number), `bool`. Conversions follow Go's strconv exactly where the
 * bytes matter (MAC input, encrypted plaintext, emitted text).
 */
export type GoScalar = string | bigint | number | boolean;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function isInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/** Shortest round-trip decimal digits and exponent of a finite, non-zero float. */
function shortestDigits(n: number): { digits: string; exp: number } {
  const [mantissa = "", exponent = "0"] = Math.abs(n).toExponential().split("e");
  return { digits: mantissa.replace(".", ""), exp: Number.parseInt(exponent, 10) };
}

/** strconv.FormatFloat(v, 'f', -1, 64): the MAC and encryption form of a float. */
export function formatFloatF(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const sign = n < 0 ? "-" : "";
  const { digits, exp } = shortestDigits(n);
  const point = exp + 1;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** strconv.FormatFloat(v, 'g' or 'G', -1, 64): how yaml.v3 and sops' ValToString print floats. */
export function formatFloatG(n: number, upper = false): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const { digits, exp } = shortestDigits(n);
  // Go uses %e when exp < -4 || exp >= eprec, where eprec is 6 for the shortest form, or the
  // digit count when that is larger (so 1e+21 style only appears for long mantissas).
  const eprec = digits.length > 6 ? digits.length : 6;
  if (exp < -4 || exp >= eprec) {
    const sign = n < 0 ? "-" : "";
    const mant = digits.length > 1 ? `${digits[0] ?? ""}.${digits.slice(1)}` : digits;
    const e = upper ? "E" : "e";
    const expSign = exp < 0 ? "-" : "+";
    const expAbs = Math.abs(exp);
    return `${sign}${mant}${e}${expSign}${expAbs < 10 ? "0" : ""}${expAbs}`;
  }
  return formatFloatF(n);
}

/** sops stores.ValToString: how dotenv and INI print a non-string value. */
export function valToString(v: GoScalar): string {
  if (typeof v === "number") {
    const g = formatFloatG(v, true);
    if (!g.includes(".") && !g.includes("E")) {
      return Number.isFinite(v) ? `${formatFloatF(v)}.0` : g;
    }
    return g;
  }
  if (typeof v === "boolean") return v ? "true" : "false";
  return typeof v === "bigint" ? v.toString() : v;
}

/** sops.ToBytes: the bytes a value contributes to the MAC (and that AES-GCM encrypts). */
export function toSopsBytes(v: GoScalar): Buffer {
  if (typeof v === "string") return Buffer.from(v, "utf8");
  if (typeof v === "bigint") return Buffer.from(v.toString(), "utf8");
  if (typeof v === "number") return Buffer.from(formatFloatF(v), "utf8");
  return Buffer.from(v ? "True" : "False", "utf8");
}

/** The `type:` tag sops writes for a value. */
export function sopsTypeOf(v: GoScalar): "str" | "int" | "float" | "bool" {
  if (typeof v === "string") return "str";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "float";
  return "bool";
}

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  return undefined;
}

/** strconv.Atoi (base 10, optional sign, int64 range). */
export function parseGoInt(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return isInt64(v) ? v : undefined;
}

/** strconv.ParseFloat(s, 64) for the forms sops writes and the common ones people type. */
export function parseGoFloat(s: string): number | undefined {
  const lower = s.toLowerCase();
  if (["inf", "+inf", "infinity", "+infinity"].includes(lower)) return Infinity;
  if (["-inf", "-infinity"].includes(lower)) return -Infinity;
  if (lower === "nan") return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/**
 * The Go value yaml.v3 decodes a scalar to when the target is interface{} (what sops does).
 * Quoted and block scalars, and explicit !!str, are strings; plain ones go through yaml.v3's
 * resolver: null, true/false (three spellings), ints (base prefixes, 1.1 octals, underscores),
 * floats, .inf/.nan. Timestamps stay strings (yaml.v3 keeps them as text for interface{}).
 * `undefined` means the value does not fit sops' model (uint64 beyond int64).
 */
export function resolveYamlV3Plain(src: string): GoScalar | null | undefined {
  const map: Record<string, GoScalar | null> = {
    "": null, "~": null, null: null, Null: null, NULL: null,
    true: true, True: true, TRUE: true, false: false, False: false, FALSE: false,
    ".nan": NaN, ".NaN": NaN, ".NAN": NaN,
    ".inf": Infinity, ".Inf": Infinity, ".INF": Infinity,
    "+.inf": Infinity, "+.Inf": Infinity, "+.INF": Infinity,
    "-.inf": -Infinity, "-.Inf": -Infinity, "-.INF": -Infinity,
  };
  if (Object.hasOwn(map, src)) return map[src];
  const first = src[0] ?? "";
  if (first === ".") {
    const f = /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(src) ? Number(src) : undefined;
    return f ?? src;
  }
  if (!/[-+0-9]/.test(first)) return src;
  if (/^[0-9]{4}-/.test(src)) return src; // timestamps (and anything shaped like one) stay text
  const plain = src.replaceAll("_", "");
  const asInt = parseGoBaseZeroInt(plain);
  if (asInt !== undefined) {
    if (isInt64(asInt)) return asInt;
    if (asInt >= 0n && asInt <= 2n ** 64n - 1n) return undefined;
  }
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return Number(plain);
  return src;
}

/** strconv.ParseInt(s, 0, 64) / ParseUint's syntax: sign, 0x / 0o / 0b prefixes, legacy 0777 octal. */
function parseGoBaseZeroInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m === null) return undefined;
  const sign = m[1] === "-" ? -1n : 1n;
  let body = m[2] ?? "0";
  if (/^0[oO]/.test(body)) body = `0o${body.slice(2)}`;
  else if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
  return sign * BigInt(body);
}
