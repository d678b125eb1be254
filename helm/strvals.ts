import { define } from "./helm-yaml.js";

/**
 * Helm's `--set` parser (pkg/strvals), ported as a pure function: `a.b=c`, `a[0]=x`, `a[0].b=y`,
 * `{x,y}` lists, `\` escapes, commas between assignments, type inference (`true`, `false`,
 * `null`, integers as int64 (bigint here), everything else a string). `mode` "string" is
 * `--set-string` (no inference), "file" is `--set-file` (the reader gets each value), "json" is
 * `--set-json`. Parses into `dest` (mutated and returned), so repeated flags build one map.
 */
export type StrvalsMode = "typed" | "string" | "file" | "json";

export interface StrvalsOptions {
  readonly mode?: StrvalsMode;
  /** For mode "file": turns the value text (a path) into the value. */
  readonly readFile?: (value: string) => unknown;
}

const MAX_INDEX = 65536;
const MAX_NESTED_NAME_LEVEL = 30;

export class StrvalsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StrvalsError";
  }
}

const EOF = Symbol("EOF");
const NOT_LIST = Symbol("not a list");

class Scanner {
  private readonly runes: string[];
  private pos = 0;
  constructor(s: string) {
    this.runes = [...s];
  }
  read(): string | typeof EOF {
    return this.pos < this.runes.length ? (this.runes[this.pos++] ?? "") : EOF;
  }
  unread(): void {
    this.pos--;
  }
  rest(): string {
    return this.runes.slice(this.pos).join("");
  }
  skip(n: number): void {
    // n is in UTF-16 units of the rest; advance by runes covering it.
    let consumed = 0;
    while (consumed < n && this.pos < this.runes.length) consumed += (this.runes[this.pos++] ?? "").length;
  }
}

/** runesUntil: reads up to a stop rune (returned as `last`), honouring `\` escapes. */
function runesUntil(sc: Scanner, stop: string): { v: string; last: string | typeof EOF } {
  let v = "";
  for (;;) {
    const r = sc.read();
    if (r === EOF) return { v, last: EOF };
    if (stop.includes(r)) return { v, last: r };
    if (r === "\\") {
      const next = sc.read();
      if (next === EOF) return { v, last: EOF };
      v += next;
    } else v += r;
  }
}

export function typedVal(val: string, asString: boolean): unknown {
  if (asString) return val;
  const lower = val.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (lower === "null") return null;
  if (val === "0") return 0n;
  if (val.length > 0 && val[0] !== "0" && /^[+-]?\d+$/.test(val)) {
    const n = BigInt(val);
    if (n <= 9223372036854775807n && n >= -9223372036854775808n) return n;
  }
  return val;
}

function set(data: Record<string, unknown>, key: string, val: unknown): void {
  if (key.length === 0) return;
  define(data, key, val);
}

function setIndex(list: unknown[], index: number, val: unknown): unknown[] {
  if (index < 0) throw new StrvalsError(`negative ${index} index not allowed`);
  if (index > MAX_INDEX) throw new StrvalsError(`index of ${index} is greater than maximum supported index of ${MAX_INDEX}`);
  while (list.length <= index) list.push(null);
  list[index] = val;
  return list;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

class Parser {
  private readonly sc: Scanner;
  private readonly reader: (rs: string) => unknown;
  private readonly json: boolean;

  constructor(s: string, options: StrvalsOptions) {
    this.sc = new Scanner(s);
    const mode = options.mode ?? "typed";
    this.json = mode === "json";
    const readFile = options.readFile;
    if (mode === "file") {
      if (readFile === undefined) throw new StrvalsError("--set-file needs a file reader");
      this.reader = (rs) => readFile(rs);
    } else this.reader = (rs) => typedVal(rs, mode === "string");
  }

  parse(data: Record<string, unknown>): void {
    for (;;) {
      const r = this.key(data, 0);
      if (r === EOF) return;
    }
  }

  /** Returns EOF at the end of input; throws StrvalsError for bad input. */
  private key(data: Record<string, unknown>, nestedNameLevel: number): typeof EOF | undefined {
    const { v: k, last } = runesUntil(this.sc, "=[,.");
    if (last === EOF) {
      if (k.length === 0) return EOF;
      throw new StrvalsError(`key ${JSON.stringify(k)} has no value`);
    }
    switch (last) {
      case "[": {
        const i = this.keyIndex();
        const existing = data[k];
        let list: unknown[] = [];
        if (existing !== undefined) {
          if (!Array.isArray(existing)) throw new StrvalsError(`unable to parse key: interface conversion: interface {} is ${goType(existing)}, not []interface {}`);
          list = existing;
        }
        let result: unknown[];
        let eof: typeof EOF | undefined;
        try {
          const r = this.listItem(list, i, nestedNameLevel);
          result = r.list;
          eof = r.eof;
        } finally {
          set(data, k, list);
        }
        set(data, k, result);
        return eof;
      }
      case "=": {
        if (this.json) return this.jsonValue((v) => set(data, k, v));
        const vl = this.valList();
        if (vl === EOF) {
          set(data, k, "");
          return EOF;
        }
        if (vl !== NOT_LIST) {
          set(data, k, vl);
          return undefined;
        }
        const { v: rs, last: end } = runesUntil(this.sc, ",");
        set(data, k, this.reader(rs));
        return end === EOF ? EOF : undefined;
      }
      case ",":
        set(data, k, "");
        throw new StrvalsError(`key ${JSON.stringify(k)} has no value (cannot end with ,)`);
      case ".": {
        nestedNameLevel++;
        if (nestedNameLevel > MAX_NESTED_NAME_LEVEL) throw new StrvalsError(`value name nested level is greater than maximum supported nested level of ${MAX_NESTED_NAME_LEVEL}`);
        let inner: Record<string, unknown> = {};
        const existing = data[k];
        if (existing !== undefined) {
          if (!isMap(existing)) throw new StrvalsError(`unable to parse key: interface conversion: interface {} is ${goType(existing)}, not map[string]interface {}`);
          inner = existing;
        }
        const e = this.key(inner, nestedNameLevel);
        if (e === undefined && Object.keys(inner).length === 0) throw new StrvalsError(`key map ${JSON.stringify(k)} has no value`);
        if (Object.keys(inner).length !== 0) set(data, k, inner);
        return e;
      }
      default:
        return undefined;
    }
  }

  private keyIndex(): number {
    const { v, last } = runesUntil(this.sc, "]");
    if (last === EOF) throw new StrvalsError("error parsing index: EOF");
    if (!/^[+-]?\d+$/.test(v)) throw new StrvalsError(`error parsing index: strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new StrvalsError(`error parsing index: strconv.Atoi: parsing ${JSON.stringify(v)}: value out of range`);
    return n;
  }

  private listItem(list: unknown[], i: number, nestedNameLevel: number): { list: unknown[]; eof: typeof EOF | undefined } {
    if (i < 0) throw new StrvalsError(`negative ${i} index not allowed`);
    const { v: k, last } = runesUntil(this.sc, "[.=");
    if (k.length > 0) throw new StrvalsError(`unexpected data at end of array index: ${JSON.stringify(k)}`);
    if (last === EOF) return { list, eof: EOF };
    switch (last) {
      case "=": {
        if (this.json) {
          let result = list;
          const eof = this.jsonValue((v) => {
            result = setIndex(list, i, v);
          });
          return { list: result, eof };
        }
        const vl = this.valList();
        if (vl === EOF) return { list: setIndex(list, i, ""), eof: undefined };
        if (vl !== NOT_LIST) return { list: setIndex(list, i, vl), eof: undefined };
        const { v: rs, last: end } = runesUntil(this.sc, ",");
        return { list: setIndex(list, i, this.reader(rs)), eof: end === EOF ? EOF : undefined };
      }
      case "[": {
        const nextI = this.keyIndex();
        let crt: unknown[] = [];
        if (list.length > i && list[i] !== null && list[i] !== undefined) {
          const existed = list[i];
          if (!Array.isArray(existed)) throw new StrvalsError(`error processing index ${i}: interface conversion: interface {} is ${goType(existed)}, not []interface {}`);
          crt = existed;
        }
        const r = this.listItem(crt, nextI, nestedNameLevel);
        return { list: setIndex(list, i, r.list), eof: r.eof };
      }
      case ".": {
        let inner: Record<string, unknown> = {};
        if (list.length > i) {
          const existed = list[i];
          if (isMap(existed)) inner = existed;
          else list[i] = inner;
        }
        const e = this.key(inner, nestedNameLevel);
        return { list: setIndex(list, i, inner), eof: e };
      }
      default:
        throw new StrvalsError(`parse error: unexpected token ${last}`);
    }
  }

  /** `{a,b}` list, NOT_LIST when the value does not start with `{`, EOF at the end of input. */
  private valList(): unknown[] | typeof EOF | typeof NOT_LIST {
    const r = this.sc.read();
    if (r === EOF) return EOF;
    if (r !== "{") {
      this.sc.unread();
      return NOT_LIST;
    }
    const list: unknown[] = [];
    for (;;) {
      const { v: rs, last } = runesUntil(this.sc, ",}");
      if (last === EOF) throw new StrvalsError("list must terminate with '}'");
      if (last === "}") {
        const next = this.sc.read();
        if (next !== EOF && next !== ",") this.sc.unread();
        list.push(this.reader(rs));
        return list;
      }
      list.push(this.reader(rs));
    }
  }

  /** --set-json: a JSON value, then an optional comma. */
  private jsonValue(assign: (v: unknown) => void): typeof EOF | undefined {
    if (this.emptyVal()) {
      assign(null);
      return undefined;
    }
    const rest = this.sc.rest();
    const { value, length } = decodeJsonPrefix(rest);
    assign(value);
    this.sc.skip(length);
    this.emptyVal();
    return undefined;
  }

  private emptyVal(): boolean {
    for (;;) {
      const r = this.sc.read();
      if (r === EOF) return true;
      if (r === ",") return true;
      if (!/\s/u.test(r)) {
        this.sc.unread();
        return false;
      }
    }
  }
}

/** The longest prefix of `s` that is one JSON value (Go's json.Decoder reads one value and stops). */
function decodeJsonPrefix(s: string): { value: unknown; length: number } {
  let lastError: unknown;
  for (let end = s.length; end > 0; end--) {
    if (end < s.length && s[end] !== "," && !/\s/.test(s[end] ?? "")) continue;
    try {
      return { value: JSON.parse(s.slice(0, end)) as unknown, length: end };
    } catch (err) {
      lastError = err;
    }
  }
  throw new StrvalsError(lastError instanceof Error ? lastError.message : "invalid JSON value");
}

function goType(v: unknown): string {
  if (typeof v === "string") return "string";
  if (typeof v === "bigint") return "int64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  if (v === null) return "nil";
  return "map[string]interface {}";
}

/** Parses one `--set` argument into `dest`. Throws StrvalsError with strvals' message. */
export function parseSet(s: string, dest: Record<string, unknown> = {}, options: StrvalsOptions = {}): Record<string, unknown> {
  new Parser(s, options).parse(dest);
  return dest;
}
