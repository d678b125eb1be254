import type { GoStruct } from "./go-struct.js";
import type { GoTime } from "./go-time.js";
import { formatFloat, formatValue, goQuote, kindOf, mapGet, sortedKeys, typeName } from "./go-values.js";

/**
 * Go's `fmt.Sprint`, `fmt.Sprintln` and `fmt.Sprintf` over our value model (see go-values.ts), with
 * Go's error forms for bad verbs (`%!d(string=x)`), missing (`%!d(MISSING)`) and extra arguments.
 */
export function sprint(args: readonly unknown[]): string {
  let out = "";
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === "string";
    if (i > 0 && !isString && !prevString) out += " ";
    out += formatValue(arg);
    prevString = isString;
  });
  return out;
}

export function sprintln(args: readonly unknown[]): string {
  return args.map(formatValue).join(" ") + "\n";
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

/** Go's fmt refuses widths and precisions over 1e6 (`tooLarge`), which also bounds what one verb can allocate. */
const MAX_WIDTH = 1_000_000n;

export function sprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argNum = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case "-": spec.minus = true; spec.zero = false; break;
        case "+": spec.plus = true; break;
        case "#": spec.sharp = true; break;
        case " ": spec.space = true; break;
        case "0": spec.zero = !spec.minus; break;
        default: break flags;
      }
    }
    // width
    if (format[i] === "*") {
      i++;
      const w = args[argNum++];
      if (typeof w === "bigint" && w <= MAX_WIDTH && w >= -MAX_WIDTH) {
        spec.width = Number(w);
        if (spec.width < 0) {
          spec.minus = true;
          spec.width = -spec.width;
        }
      } else out += "%!(BADWIDTH)";
    } else {
      const start = i;
      while (i < n && format[i] >= "0" && format[i] <= "9") i++;
      if (i > start) spec.width = Number(format.slice(start, i));
      // Go's parsenum gives up on a number over 1e6 and jumps to the end of the format (NOVERB).
      if (spec.width !== undefined && spec.width > Number(MAX_WIDTH)) {
        spec.width = undefined;
        i = n;
      }
    }
    if (format[i] === ".") {
      i++;
      if (format[i] === "*") {
        i++;
        const p = args[argNum++];
        if (typeof p === "bigint" && p >= 0n && p <= MAX_WIDTH) spec.prec = Number(p);
        else out += "%!(BADPREC)";
      } else {
        const start = i;
        while (i < n && format[i] >= "0" && format[i] <= "9") i++;
        spec.prec = Number(format.slice(start, i) || "0");
        if (spec.prec > Number(MAX_WIDTH)) {
          spec.prec = undefined;
          i = n;
        }
      }
    }
    if (i >= n) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argNum++], verb, spec);
  }
  if (argNum < args.length) {
    out += "%!(EXTRA " + args.slice(argNum).map((a) => (a === undefined || a === null ? "<nil>" : `${typeName(a)}=${formatValue(a)}`)).join(", ") + ")";
  }
  return out;
}

function pad(s: string, spec: Spec, zeroOk: boolean): string {
  const w = spec.width;
  if (w === undefined) return s;
  const len = [...s].length;
  if (len >= w) return s;
  if (spec.minus) return s + " ".repeat(w - len);
  if (spec.zero && zeroOk) {
    const signed = s[0] === "-" || s[0] === "+" || s[0] === " ";
    return signed ? s[0] + "0".repeat(w - len) + s.slice(1) : "0".repeat(w - len) + s;
  }
  return " ".repeat(w - len) + s;
}

function bad(verb: string, v: unknown): string {
  if (v === undefined || v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatValue(v)})`;
}

function formatArg(v: unknown, verb: string, spec: Spec): string {
  if (verb === "T") return pad(v === undefined || v === null ? "<nil>" : typeName(v), spec, false);
  if (verb === "v" && spec.sharp) return pad(goSyntax(v), spec, false);
  switch (kindOf(v)) {
    case "invalid":
    case "nil":
      return verb === "v" ? pad("<nil>", spec, false) : bad(verb, v);
    case "bool":
      return verb === "v" || verb === "t" ? pad(String(v), spec, false) : bad(verb, v);
    case "int":
      return formatInt(v as bigint, verb, spec);
    case "float":
      return formatFloatVerb(v as number, verb, spec);
    case "string":
      return formatString(v as string, verb, spec);
    case "bytes":
      if (verb === "s" || verb === "q" || verb === "x" || verb === "X") return formatString(Buffer.from(v as Uint8Array).toString("utf8"), verb, spec);
      return "[" + Array.from(v as Uint8Array, (b) => formatInt(BigInt(b), verb, spec)).join(" ") + "]";
    case "time":
      if (verb === "v" || verb === "s" || verb === "q") return formatString((v as GoTime).toGoString(), verb, spec);
      return bad(verb, v);
    case "struct":
      if (verb === "v" || verb === "s") return formatString((v as GoStruct).formatGo(), verb, spec);
      return bad(verb, v);
    case "slice":
      return "[" + (v as unknown[]).map((e) => formatArg(e, verb, spec)).join(" ") + "]";
    case "map":
      return "map[" + sortedKeys(v as object).map((k) => `${formatArg(k, verb, spec)}:${formatArg(mapGet(v as object, k), verb, spec)}`).join(" ") + "]";
    default:
      return verb === "v" || verb === "p" ? pad("0x1", spec, false) : bad(verb, v);
  }
}

function formatInt(v: bigint, verb: string, spec: Spec): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  let digits: string;
  let prefix = "";
  switch (verb) {
    case "v":
    case "d":
      digits = abs.toString(10);
      break;
    case "b":
      digits = abs.toString(2);
      if (spec.sharp) prefix = "0b";
      break;
    case "o":
    case "O":
      digits = abs.toString(8);
      if (verb === "O") prefix = "0o";
      else if (spec.sharp) prefix = "0";
      break;
    case "x":
      digits = abs.toString(16);
      if (spec.sharp) prefix = "0x";
      break;
    case "X":
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = "0X";
      break;
    case "c":
      return pad(String.fromCodePoint(Number(v)), spec, false);
    case "q":
      return pad(`'${goQuote(String.fromCodePoint(Number(v))).slice(1, -1).replace(/'/g, "\\'").replace(/\\"/g, '"')}'`, spec, false);
    case "U":
      return pad(`U+${abs.toString(16).toUpperCase().padStart(4, "0")}`, spec, false);
    case "e":
    case "E":
    case "f":
    case "F":
    case "g":
    case "G":
    case "s":
    case "t":
    default:
      return bad(verb, v);
  }
  if (spec.prec !== undefined) digits = spec.prec === 0 && abs === 0n ? "" : digits.padStart(spec.prec, "0");
  const sign = neg ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  if (spec.zero && spec.prec === undefined && !spec.minus && spec.width !== undefined) {
    const total = sign.length + prefix.length + digits.length;
    if (total < spec.width) digits = "0".repeat(spec.width - total) + digits;
  }
  return pad(sign + prefix + digits, spec, false);
}

function formatFloatVerb(v: number, verb: string, spec: Spec): string {
  let s: string;
  switch (verb) {
    case "v":
    case "g":
    case "G":
      s = formatFloat(v, verb === "G" ? "G" : "g", spec.prec ?? -1);
      break;
    case "e":
    case "E":
      s = formatFloat(v, verb, spec.prec ?? 6);
      break;
    case "f":
    case "F":
      s = formatFloat(v, "f", spec.prec ?? 6);
      break;
    default:
      return bad(verb, v);
  }
  if (spec.plus && !s.startsWith("-") && !s.startsWith("+")) s = "+" + s;
  else if (spec.space && !s.startsWith("-")) s = " " + s;
  if (s === "+Inf" && !spec.plus) s = spec.space ? " Inf" : "+Inf";
  return pad(s, spec, Number.isFinite(v));
}

function formatString(s: string, verb: string, spec: Spec): string {
  switch (verb) {
    case "v":
    case "s":
      return pad(spec.prec === undefined ? s : [...s].slice(0, spec.prec).join(""), spec, false);
    case "q":
      if (spec.sharp && !s.includes("`")) return pad("`" + s + "`", spec, false);
      return pad(goQuote(spec.prec === undefined ? s : [...s].slice(0, spec.prec).join("")), spec, false);
    case "x":
    case "X": {
      const bytes = Buffer.from(s, "utf8");
      const parts = Array.from(bytes, (b) => b.toString(16).padStart(2, "0"));
      let hex = spec.space ? parts.map((p) => (spec.sharp ? "0x" + p : p)).join(" ") : (spec.sharp && parts.length > 0 ? "0x" : "") + parts.join("");
      if (verb === "X") hex = hex.toUpperCase();
      return pad(hex, spec, false);
    }
    default:
      return bad(verb, s);
  }
}

/** Go's `%#v`, close enough for debugging output in templates. */
function goSyntax(v: unknown): string {
  switch (kindOf(v)) {
    case "invalid":
    case "nil":
      return "<nil>";
    case "string":
      return goQuote(v as string);
    case "float": {
      const s = formatFloat(v as number, "g", -1);
      return /[.eIN]/.test(s) ? s : s + ".0";
    }
    case "slice":
      return "[]interface {}{" + (v as unknown[]).map(goSyntax).join(", ") + "}";
    case "map":
      return "map[string]interface {}{" + sortedKeys(v as object).map((k) => `${goQuote(k)}:${goSyntax(mapGet(v as object, k))}`).join(", ") + "}";
    default:
      return formatValue(v);
  }
}
