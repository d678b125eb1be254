/**
 * Reads the table-driven template cases out of Masterminds/sprig's `*_test.go` files: every
 * `runt(tpl, expect)` / `runtv(tpl, expect, vars)` call, and every `runRaw(tpl, vars)` whose
 * output the test then compares with a string. A small evaluator over Go tokens follows the
 * shapes those files use (string and composite literals, variables, `for k, v := range table`,
 * struct tables, `fmt.Sprintf`, `time.Parse`/`time.Now().Add`) and reports a case it cannot
 * evaluate as skipped, with the reason, instead of guessing.
 */

export interface GoCase {
  readonly test: string;
  readonly line: number;
  readonly template: string;
  /** The expected output; undefined for a runRaw whose output is only checked in Go code. */
  readonly expect: string | undefined;
  readonly data: unknown;
  /** The Go test wants an error (`assert.Error(t, runt(...))`, `err == nil` then t.Error). */
  readonly wantError: boolean;
}

export interface SkippedCase {
  readonly test: string;
  readonly line: number;
  readonly template: string | undefined;
  readonly reason: string;
}

/** A value the evaluator could not compute (a Go function call, an unknown identifier). */
export class Unknown {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** Marks a value built from a named Go struct type (typeOf/kindOf see a struct, we see a map). */
export const GO_STRUCT_TYPE = Symbol("goStructType");

/** `time.Time` built by the test code, in Unix milliseconds. */
export class GoTestTime {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
}

interface Token {
  readonly kind: "ident" | "string" | "number" | "char" | "op";
  readonly text: string;
  readonly value?: string;
  readonly line: number;
}

function unquoteGo(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_m, e: string) => {
    switch (e[0]) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "a":
        return "\x07";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "v":
        return "\v";
      case "x":
        return String.fromCharCode(parseInt(e.slice(1), 16));
      case "u":
      case "U":
        return String.fromCodePoint(parseInt(e.slice(1), 16));
      default:
        return /^[0-7]{3}$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e;
    }
  });
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const ops = [":=", "!=", "==", "<=", ">=", "&&", "||", "...", "++", "--", "+=", "<-"];
  while (i < src.length) {
    const c = src[i] ?? "";
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (src.startsWith("//", i)) {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      const text = src.slice(i, end + 2);
      line += text.split("\n").length - 1;
      i = end + 2;
    } else if (c === "`") {
      const end = src.indexOf("`", i + 1);
      const text = src.slice(i + 1, end);
      out.push({ kind: "string", text: "`", value: text.replace(/\r/g, ""), line });
      line += text.split("\n").length - 1;
      i = end + 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out.push({ kind: c === '"' ? "string" : "char", text: c, value: unquoteGo(src.slice(i + 1, j)), line });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^(0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9]+)?)/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ kind: "number", text, line });
      i += text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ kind: "ident", text, line });
      i += text.length;
    } else {
      const op = ops.find((o) => src.startsWith(o, i)) ?? c;
      out.push({ kind: "op", text: op, line });
      i += op.length;
    }
  }
  return out;
}

type Env = Map<string, unknown>;

interface StructType {
  readonly fields: readonly string[];
}

const DURATIONS: Record<string, number> = { Nanosecond: 1e-6, Microsecond: 1e-3, Millisecond: 1, Second: 1000, Minute: 60_000, Hour: 3_600_000 };

/** Parses Go's reference-layout time as the tests use it (`time.Parse(layout, value)`), UTC only. */
export type TimeParser = (layout: string, value: string) => number;

class Evaluator {
  private pos = 0;
  readonly cases: GoCase[] = [];
  readonly skipped: SkippedCase[] = [];
  private test = "";

  private readonly toks: readonly Token[];
  private readonly types: ReadonlyMap<string, StructType>;
  private readonly globals: Env;
  private readonly now: number;
  private readonly parseTime: TimeParser;

  constructor(toks: readonly Token[], types: ReadonlyMap<string, StructType>, globals: Env, now: number, parseTime: TimeParser) {
    this.toks = toks;
    this.types = types;
    this.globals = globals;
    this.now = now;
    this.parseTime = parseTime;
  }

  private peek(o = 0): Token | undefined {
    return this.toks[this.pos + o];
  }

  private is(text: string, o = 0): boolean {
    const t = this.peek(o);
    return t !== undefined && t.text === text && (t.kind === "op" || t.kind === "ident");
  }

  private expect(text: string): void {
    if (!this.is(text)) throw new Error(`expected ${text} at line ${this.peek()?.line ?? "EOF"}, got ${this.peek()?.text ?? "EOF"}`);
    this.pos++;
  }

  /** Skips a balanced group starting at an opening bracket. */
  private skipGroup(): void {
    const open = this.peek()?.text;
    const close = open === "(" ? ")" : open === "[" ? "]" : "}";
    let depth = 0;
    do {
      const t = this.peek();
      if (t === undefined) return;
      if (t.kind === "op" && t.text === open) depth++;
      else if (t.kind === "op" && t.text === close) depth--;
      this.pos++;
    } while (depth > 0);
  }

  /** Evaluates the expression at token `pos` (package-level `var x = ...`). */
  evalAt(pos: number, env: Env): unknown {
    this.pos = pos;
    return this.expr(env, { wantError: false });
  }

  runTest(name: string, start: number, end: number, env: Env): void {
    this.test = name;
    this.pos = start;
    this.block(end, env, { wantError: false });
  }

  /** Runs the statements up to token `end` (exclusive). */
  private block(end: number, env: Env, ctx: { wantError: boolean }): void {
    while (this.pos < end) this.statement(end, env, ctx);
  }

  private matchingBrace(from: number): number {
    let depth = 0;
    for (let i = from; i < this.toks.length; i++) {
      const t = this.toks[i];
      if (t?.kind !== "op") continue;
      if (t.text === "{") depth++;
      else if (t.text === "}" && --depth === 0) return i;
    }
    return this.toks.length;
  }

  private statement(end: number, env: Env, ctx: { wantError: boolean }): void {
    const t = this.peek();
    if (t === undefined) return;
    if (t.kind === "ident" && t.text === "for") return this.forStatement(env);
    if (t.kind === "ident" && t.text === "if") return this.ifStatement(env);
    if (t.kind === "ident" && (t.text === "defer" || t.text === "go")) {
      this.skipLine(end);
      return;
    }
    if (t.kind === "ident" && (t.text === "var" || t.text === "const")) {
      this.pos++;
      if (this.is("(")) {
        this.skipGroup();
        return;
      }
    }
    // Assignment: names := expr / names = expr.
    const names: string[] = [];
    let k = 0;
    while (this.peek(k)?.kind === "ident" && (this.is(",", k + 1) || this.is(":=", k + 1) || this.is("=", k + 1))) {
      names.push(this.peek(k)?.text ?? "");
      if (this.is(",", k + 1)) k += 2;
      else {
        k += 1;
        break;
      }
    }
    if (names.length > 0 && (this.is(":=", k) || this.is("=", k))) {
      this.pos += k + 1;
      const v = this.expr(env, ctx);
      const first = names[0] ?? "_";
      if (first !== "_") env.set(first, v);
      for (const n of names.slice(1)) if (n !== "_") env.set(n, new Unknown(`second result of a call`));
      return;
    }
    // A `var x T = expr` / `var x = expr`.
    if (t.kind === "ident" && this.peek(-1)?.text === "var") {
      const name = t.text;
      this.pos++;
      while (!this.is("=") && this.peek()?.line === t.line) this.pos++;
      if (this.is("=")) {
        this.pos++;
        env.set(name, this.expr(env, ctx));
      } else env.set(name, new Unknown(`zero value of a declared variable`));
      return;
    }
    // Anything else: evaluate as an expression (calls to runt/runtv/runRaw/assert.*), skip the rest of the line.
    const line = t.line;
    const before = this.pos;
    try {
      this.expr(env, ctx);
    } catch {
      this.pos = before + 1;
    }
    if (this.pos === before) this.pos++;
    while (this.pos < end && this.peek()?.line === line && !this.is("}") && !this.is("{")) this.pos++;
    if (this.is("{") && this.peek()?.line === line) this.skipGroup();
  }

  private skipLine(end: number): void {
    const line = this.peek()?.line;
    while (this.pos < end && this.peek()?.line === line) {
      if (this.is("{") || this.is("(")) this.skipGroup();
      else this.pos++;
    }
  }

  private forStatement(env: Env): void {
    this.expect("for");
    const headerStart = this.pos;
    const brace = this.blockBrace(headerStart);
    const close = this.matchingBrace(brace);
    const header = this.toks.slice(headerStart, brace).map((x) => x.text);
    const rangeAt = header.indexOf("range");
    if (rangeAt < 0) {
      this.pos = close + 1;
      return;
    }
    const vars = header.slice(0, rangeAt - 1).filter((x) => x !== ",");
    this.pos = headerStart + rangeAt + 1;
    const coll = this.expr(env, { wantError: false });
    const entries: Array<[unknown, unknown]> = Array.isArray(coll)
      ? coll.map((v, i) => [BigInt(i), v])
      : typeof coll === "object" && coll !== null && !(coll instanceof Unknown)
        ? Object.entries(coll as Record<string, unknown>)
        : [];
    if (coll instanceof Unknown) this.skipped.push({ test: this.test, line: this.toks[headerStart]?.line ?? 0, template: undefined, reason: `range over ${coll.reason}` });
    for (const [k, v] of entries) {
      const inner = new Map(env);
      if (vars[0] !== undefined && vars[0] !== "_") inner.set(vars[0], k);
      if (vars[1] !== undefined && vars[1] !== "_") inner.set(vars[1], v);
      this.pos = brace + 1;
      this.block(close, inner, { wantError: false });
    }
    this.pos = close + 1;
  }

  /** The `{` opening a for/if block: gofmt puts it last on its line, unlike a composite literal's. */
  private blockBrace(from: number): number {
    let i = from;
    for (; i < this.toks.length; i++) {
      const t = this.toks[i];
      if (t?.kind === "op" && t.text === "{" && (this.toks[i + 1]?.line ?? Infinity) > t.line) return i;
    }
    return i;
  }

  private ifStatement(env: Env): void {
    this.expect("if");
    const brace = this.blockBrace(this.pos);
    const close = this.matchingBrace(brace);
    const header = this.toks.slice(this.pos, brace).map((x) => x.text).join(" ");
    // `if err := runt(...); err == nil {` / `if err = runtv(...); err == nil {` means the test wants an error.
    const wantError = /err == nil\s*$/.test(header) || /== nil\s*$/.test(header);
    const semi = this.toks.slice(this.pos, brace).findIndex((x) => x.kind === "op" && x.text === ";");
    if (semi >= 0) {
      const headerEnd = this.pos + semi;
      this.statement(headerEnd, env, { wantError });
      this.pos = headerEnd + 1;
    }
    // The condition itself may compare a runRaw result (`if out != "..." {`).
    try {
      this.expr(env, { wantError: false });
    } catch {
      /* a condition we cannot evaluate */
    }
    this.pos = brace + 1;
    this.block(close, env, { wantError: false });
    this.pos = close + 1;
    if (this.is("else")) {
      this.pos++;
      if (this.is("if")) this.ifStatement(env);
      else {
        const c = this.matchingBrace(this.pos);
        this.pos++;
        this.block(c, env, { wantError: false });
        this.pos = c + 1;
      }
    }
  }

  // ---- expressions ----

  private expr(env: Env, ctx: { wantError: boolean }): unknown {
    let left = this.term(env, ctx);
    for (;;) {
      const op = this.peek();
      if (op?.kind !== "op" || !["+", "-", "==", "!=", "&&", "||", "<", ">"].includes(op.text)) return left;
      this.pos++;
      const right = this.term(env, ctx);
      if ((op.text === "!=" || op.text === "==") && (isRaw(left) || isRaw(right))) this.rawCompared(isRaw(left) ? left : right, isRaw(left) ? right : left);
      left = binary(op.text, left, right);
    }
  }

  /** Multiplication binds tighter than addition, as in Go. */
  private term(env: Env, ctx: { wantError: boolean }): unknown {
    let left = this.unary(env, ctx);
    while (this.is("*") || this.is("/")) {
      const op = this.peek()?.text ?? "*";
      this.pos++;
      left = binary(op, left, this.unary(env, ctx));
    }
    return left;
  }

  private unary(env: Env, ctx: { wantError: boolean }): unknown {
    if (this.is("-")) {
      this.pos++;
      const v = this.unary(env, ctx);
      return typeof v === "bigint" ? -v : typeof v === "number" ? -v : new Unknown("negation");
    }
    if (this.is("&") || this.is("*")) {
      this.pos++;
      return this.unary(env, ctx);
    }
    if (this.is("!")) {
      this.pos++;
      const v = this.unary(env, ctx);
      return typeof v === "boolean" ? !v : new Unknown("negation");
    }
    return this.postfix(this.primary(env, ctx), env, ctx);
  }

  private primary(env: Env, ctx: { wantError: boolean }): unknown {
    const t = this.peek();
    if (t === undefined) throw new Error("unexpected end");
    if (t.kind === "string") {
      this.pos++;
      return t.value ?? "";
    }
    if (t.kind === "char") {
      this.pos++;
      return BigInt((t.value ?? "").codePointAt(0) ?? 0);
    }
    if (t.kind === "number") {
      this.pos++;
      const s = t.text.replace(/_/g, "");
      return /^0[xX]/.test(s) || /^[0-9]+$/.test(s) ? BigInt(s) : Number(s);
    }
    if (t.kind === "op" && t.text === "(") {
      this.pos++;
      const v = this.expr(env, ctx);
      this.expect(")");
      return v;
    }
    // Composite literal types.
    if (this.is("[") || this.is("map") || this.is("struct")) {
      const type = this.type();
      if (this.is("{")) return this.composite(type, env);
      return new Unknown("type expression");
    }
    if (t.kind === "ident") {
      this.pos++;
      switch (t.text) {
        case "nil":
          return null;
        case "true":
          return true;
        case "false":
          return false;
        case "runt":
        case "runtv":
        case "runRaw":
          return this.runCall(t, env, ctx);
        case "assert":
        case "require":
          return this.assertCall(env);
        case "strings":
          if (this.is(".") && this.peek(1)?.text === "Compare") {
            this.pos += 2;
            const [a, b] = this.args(env, ctx);
            if (isRaw(a) || isRaw(b)) this.rawCompared(isRaw(a) ? a : b, isRaw(a) ? b : a);
            return new Unknown("strings.Compare");
          }
          break;
        case "fmt":
          return this.fmtCall(env, ctx);
        case "time":
          return this.timeExpr(env, ctx);
        case "int":
        case "int8":
        case "int16":
        case "int32":
        case "int64":
        case "uint":
        case "uint8":
        case "uint16":
        case "uint32":
        case "uint64":
        case "float32":
        case "float64":
        case "string":
          if (this.is("(")) {
            this.pos++;
            const v = this.expr(env, ctx);
            this.expect(")");
            if (t.text.startsWith("float")) return typeof v === "bigint" ? Number(v) : v;
            if (t.text === "string") return v;
            return typeof v === "number" ? BigInt(Math.trunc(v)) : v;
          }
          return new Unknown(`type ${t.text}`);
        default:
          break;
      }
      if (this.types.has(t.text) && this.is("{")) {
        const v = this.composite({ kind: "struct", fields: this.types.get(t.text)?.fields ?? [] }, env);
        if (typeof v === "object" && v !== null) Object.defineProperty(v, GO_STRUCT_TYPE, { value: t.text, enumerable: false });
        return v;
      }
      if (env.has(t.text)) return env.get(t.text);
      if (this.globals.has(t.text)) return this.globals.get(t.text);
      if (this.is("(")) {
        this.skipGroup();
        return new Unknown(`calls the Go function ${t.text}`);
      }
      if (this.is(".")) {
        this.pos++;
        const sel = this.peek()?.text ?? "";
        this.pos++;
        if (this.is("(")) this.skipGroup();
        return new Unknown(`uses Go ${t.text}.${sel}`);
      }
      return new Unknown(`unknown identifier ${t.text}`);
    }
    this.pos++;
    return new Unknown(`token ${t.text}`);
  }

  private postfix(v: unknown, env: Env, ctx: { wantError: boolean }): unknown {
    for (;;) {
      if (this.is(".")) {
        const name = this.peek(1)?.text ?? "";
        this.pos += 2;
        if (v instanceof GoTestTime && name === "Add" && this.is("(")) {
          this.pos++;
          const d = this.expr(env, ctx);
          this.expect(")");
          v = typeof d === "number" ? new GoTestTime(v.ms + d) : new Unknown("time arithmetic");
          continue;
        }
        if (this.is("(")) {
          this.skipGroup();
          v = new Unknown(`method ${name}`);
          continue;
        }
        v = typeof v === "object" && v !== null && !(v instanceof Unknown) && Object.hasOwn(v, name) ? (v as Record<string, unknown>)[name] : new Unknown(`field ${name}`);
        continue;
      }
      if (this.is("[")) {
        this.pos++;
        const i = this.expr(env, ctx);
        this.expect("]");
        if (Array.isArray(v) && typeof i === "bigint") v = v[Number(i)];
        else if (typeof v === "object" && v !== null && typeof i === "string") v = (v as Record<string, unknown>)[i];
        else v = new Unknown("index expression");
        continue;
      }
      return v;
    }
  }

  private type(): { kind: "map" | "slice" | "struct" | "other"; elem?: ReturnType<Evaluator["type"]>; fields?: readonly string[] } {
    if (this.is("map")) {
      this.pos++;
      this.expect("[");
      this.type();
      this.expect("]");
      return { kind: "map", elem: this.type() };
    }
    if (this.is("[")) {
      this.pos++;
      while (!this.is("]")) this.pos++;
      this.pos++;
      return { kind: "slice", elem: this.type() };
    }
    if (this.is("*")) {
      this.pos++;
      return this.type();
    }
    if (this.is("struct")) {
      this.pos++;
      const close = this.matchingBrace(this.pos);
      const fields: string[] = [];
      let pending: string[] = [];
      for (let i = this.pos + 1; i < close; i++) {
        const tk = this.toks[i];
        const next = this.toks[i + 1];
        if (tk?.kind !== "ident") continue;
        // A field name is an identifier followed by `,` or by a type on the same line.
        pending.push(tk.text);
        if (next?.text === ",") {
          i++;
          continue;
        }
        fields.push(pending[0] ?? "");
        fields.push(...pending.slice(1));
        pending = [];
        // skip the type up to the end of the line
        const line = tk.line;
        while (i + 1 < close && this.toks[i + 1]?.line === line) i++;
      }
      this.pos = close + 1;
      return { kind: "struct", fields };
    }
    if (this.is("interface")) {
      this.pos++;
      this.skipGroup();
      return { kind: "other" };
    }
    const name = this.peek()?.text ?? "";
    this.pos++;
    if (this.is(".")) this.pos += 2;
    const st = this.types.get(name);
    return st === undefined ? { kind: "other" } : { kind: "struct", fields: st.fields };
  }

  private composite(type: ReturnType<Evaluator["type"]>, env: Env): unknown {
    this.expect("{");
    const keyed: Array<[unknown, unknown]> = [];
    const items: unknown[] = [];
    while (!this.is("}")) {
      const value = (elemType: typeof type | undefined): unknown =>
        this.is("{") ? this.composite(elemType ?? { kind: "other" }, env) : this.expr(env, { wantError: false });
      const first = type.kind === "map" && this.is("{") ? new Unknown("composite key") : value(type.kind === "struct" ? { kind: "other" } : type.elem);
      if (this.is(":")) {
        this.pos++;
        keyed.push([first, value(type.elem)]);
      } else items.push(first);
      if (this.is(",")) this.pos++;
    }
    this.expect("}");
    if (type.kind === "map" || (type.kind === "struct" && keyed.length > 0) || (type.kind === "other" && keyed.length > 0)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of keyed) out[String(k)] = v;
      return out;
    }
    if (type.kind === "struct") {
      const out: Record<string, unknown> = {};
      (type.fields ?? []).forEach((f, i) => (out[f] = items[i]));
      return out;
    }
    return items;
  }

  private args(env: Env, ctx: { wantError: boolean }): unknown[] {
    this.expect("(");
    const out: unknown[] = [];
    while (!this.is(")")) {
      out.push(this.expr(env, ctx));
      if (this.is(",")) this.pos++;
    }
    this.expect(")");
    return out;
  }

  private runCall(t: Token, env: Env, ctx: { wantError: boolean }): unknown {
    const args = this.args(env, ctx);
    const [tpl, a1, a2] = args;
    const expect = t.text === "runRaw" ? undefined : a1;
    const data = t.text === "runt" ? {} : t.text === "runtv" ? a2 : a1;
    const unknown = [tpl, expect, data].find((x) => x instanceof Unknown) ?? findUnknown(data);
    if (unknown instanceof Unknown || typeof tpl !== "string" || (t.text !== "runRaw" && typeof expect !== "string")) {
      this.skipped.push({ test: this.test, line: t.line, template: typeof tpl === "string" ? tpl : undefined, reason: unknown instanceof Unknown ? unknown.reason : "template or expectation is not a string" });
      return new Unknown("skipped case");
    }
    const c: GoCase = { test: this.test, line: t.line, template: tpl, expect: expect as string | undefined, data, wantError: ctx.wantError };
    if (t.text === "runRaw") return { rawCase: c, index: this.pendingRaw(c) };
    this.cases.push(c);
    return { case: c };
  }

  private raws: GoCase[] = [];

  private pendingRaw(c: GoCase): number {
    this.raws.push(c);
    return this.raws.length - 1;
  }

  /** `assert.NoError(t, runt(...))`, `assert.Error(t, runt(...))`, `assert.Equal(t, want, out)` on a runRaw result. */
  private assertCall(env: Env): unknown {
    this.expect(".");
    const name = this.peek()?.text ?? "";
    this.pos++;
    const ctx = { wantError: name === "Error" || name === "NotNil" };
    const args = this.args(env, ctx);
    if (name === "Equal" || name === "EqualValues") {
      const [, a, b] = args;
      const raw = [a, b].find((x) => isRaw(x));
      const other = raw === a ? b : a;
      if (raw !== undefined && typeof other === "string") {
        const c = (raw as { rawCase: GoCase }).rawCase;
        this.cases.push({ ...c, expect: other });
        this.usedRaw.add(c);
      }
    }
    return undefined;
  }

  readonly usedRaw = new Set<GoCase>();

  private rawCompared(raw: unknown, other: unknown): void {
    if (typeof other !== "string") return;
    const c = (raw as { rawCase: GoCase }).rawCase;
    if (this.usedRaw.has(c)) return;
    this.cases.push({ ...c, expect: other });
    this.usedRaw.add(c);
  }

  /** The raw cases nobody compared with a string: checked only by Go code. */
  rawLeftovers(): GoCase[] {
    return this.raws.filter((c) => !this.usedRaw.has(c));
  }

  private fmtCall(env: Env, ctx: { wantError: boolean }): unknown {
    this.expect(".");
    const name = this.peek()?.text ?? "";
    this.pos++;
    const args = this.args(env, ctx);
    if (name !== "Sprintf") return new Unknown(`fmt.${name}`);
    const [format, ...rest] = args;
    if (typeof format !== "string") return new Unknown("fmt.Sprintf format");
    let i = 0;
    let bad: Unknown | undefined;
    const s = format.replace(/%([sdvq%])/g, (_m, verb: string) => {
      if (verb === "%") return "%";
      const a = rest[i++];
      if (a instanceof Unknown) bad = a;
      if (verb === "q") return JSON.stringify(String(a));
      return String(a);
    });
    return bad ?? s;
  }

  private timeExpr(env: Env, ctx: { wantError: boolean }): unknown {
    this.expect(".");
    const name = this.peek()?.text ?? "";
    this.pos++;
    if (name in DURATIONS) return DURATIONS[name];
    const args = this.is("(") ? this.args(env, ctx) : [];
    switch (name) {
      case "Now":
        return new GoTestTime(this.now);
      case "Unix": {
        const [sec] = args;
        return typeof sec === "bigint" ? new GoTestTime(Number(sec) * 1000) : new Unknown("time.Unix");
      }
      case "Parse": {
        const [layout, value] = args;
        if (typeof layout !== "string" || typeof value !== "string") return new Unknown("time.Parse");
        try {
          return new GoTestTime(this.parseTime(layout, value));
        } catch {
          return new Unknown(`time.Parse of ${value}`);
        }
      }
      default:
        return new Unknown(`time.${name}`);
    }
  }
}

function isRaw(x: unknown): boolean {
  return typeof x === "object" && x !== null && "rawCase" in x;
}

function findUnknown(v: unknown): Unknown | undefined {
  if (v instanceof Unknown) return v;
  if (Array.isArray(v)) for (const x of v) {
    const u = findUnknown(x);
    if (u !== undefined) return u;
  }
  else if (typeof v === "object" && v !== null && !(v instanceof GoTestTime)) for (const x of Object.values(v)) {
    const u = findUnknown(x);
    if (u !== undefined) return u;
  }
  return undefined;
}

function binary(op: string, a: unknown, b: unknown): unknown {
  if (a instanceof Unknown) return a;
  if (b instanceof Unknown) return b;
  if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;
  const num = (x: unknown): number | undefined => (typeof x === "bigint" ? Number(x) : typeof x === "number" ? x : undefined);
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined) return new Unknown(`operator ${op}`);
  const bothInt = typeof a === "bigint" && typeof b === "bigint";
  switch (op) {
    case "+":
      return bothInt ? (a) + (b) : x + y;
    case "-":
      return bothInt ? (a) - (b) : x - y;
    case "*":
      return bothInt ? (a) * (b) : x * y;
    case "/":
      return bothInt ? (a) / (b) : x / y;
    default:
      return new Unknown(`operator ${op}`);
  }
}

/** Package-level `type X struct {...}` declarations (positional struct literals need field names). */
function structTypes(toks: readonly Token[]): Map<string, StructType> {
  const out = new Map<string, StructType>();
  for (let i = 0; i < toks.length - 3; i++) {
    if (toks[i]?.text !== "type" || toks[i + 2]?.text !== "struct") continue;
    const fields: string[] = [];
    let line = -1;
    for (let j = i + 4; j < toks.length && toks[j]?.text !== "}"; j++) {
      const tk = toks[j];
      if (tk?.kind === "ident" && tk.line !== line) {
        fields.push(tk.text);
        line = tk.line;
      }
    }
    out.set(toks[i + 1]?.text ?? "", { fields });
  }
  return out;
}

export interface ExtractOptions {
  /** The time `time.Now()` stands for, the same the engine's clock gives `now`. */
  readonly now: number;
  readonly parseTime: TimeParser;
}

/** All cases of one Go test file. */
export function extractCases(src: string, options: ExtractOptions): { cases: GoCase[]; skipped: SkippedCase[]; checkedInGo: GoCase[] } {
  const toks = tokenize(src);
  const types = structTypes(toks);
  const globals: Env = new Map();
  const evaluator = new Evaluator(toks, types, globals, options.now, options.parseTime);
  // Package-level `var name = expr` (tables shared by tests).
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t?.text !== "var" || t.kind !== "ident") continue;
    if (toks[i + 2]?.text !== "=") continue;
    const depth = toks.slice(0, i).reduce((d, x) => (x.kind === "op" && x.text === "{" ? d + 1 : x.kind === "op" && x.text === "}" ? d - 1 : d), 0);
    if (depth !== 0) continue;
    try {
      globals.set(toks[i + 1]?.text ?? "", evaluator.evalAt(i + 3, globals));
    } catch {
      /* not a value we can evaluate */
    }
  }
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t?.text !== "func" || !/^Test/.test(toks[i + 1]?.text ?? "")) continue;
    let open = i;
    while (open < toks.length && toks[open]?.text !== "{") open++;
    let depth = 0;
    let close = open;
    for (; close < toks.length; close++) {
      const x = toks[close];
      if (x?.kind !== "op") continue;
      if (x.text === "{") depth++;
      else if (x.text === "}" && --depth === 0) break;
    }
    evaluator.runTest(toks[i + 1]?.text ?? "", open + 1, close, new Map());
    i = close;
  }
  return { cases: evaluator.cases, skipped: evaluator.skipped, checkedInGo: evaluator.rawLeftovers() };
}
