import { nodeString, type AnyNode, type ArgNode, type CommandNode, type ListNode, type PipeNode, type StatementNode, type Tree } from "./ast.js";
import { PARAM_TYPE_NAME, type FuncMap, type GoFunction, type ParamType } from "./go-function.js";
import { goMethod } from "./go-methods.js";
import { callTimeMethod } from "./go-time-methods.js";
import { GoStruct } from "./go-struct.js";
import { GoTime } from "./go-time.js";
import { BUDGET_LIMIT, BudgetExceededError, ExecBudget, withBudget } from "./exec-budget.js";
import { byteLength, formatValue, isMap, isTrue, kindOf, mapGet, sortedKeys, typeName } from "./go-values.js";
import { FuncError, TEMPLATE_ERROR, TemplateError, type TemplateErrorCode } from "./template-errors.js";

export type MissingKey = "error" | "default" | "zero";

/** Execution state: output, the variable stack and the template being executed (for errors). */
interface State {
  out: string;
  names: string[];
  values: unknown[];
  name: string;
  depth: number;
  readonly budget: ExecBudget;
  /** Most characters `out` may hold in this execution (from the budget's remaining output). */
  readonly outLimit: number;
}

/** No limits: executions without a budget count steps here and never stop. */
const UNLIMITED = new ExecBudget({ now: () => 0 });

/** Evaluates an operand or command; `final` is the previous pipeline stage's value, or MISSING. */
type Eval = (s: State, dot: unknown, final: unknown) => unknown;
type ArgEval = (s: State, dot: unknown) => unknown;
/** Runs a statement; returns a control code: 0 go on, 1 break, 2 continue. */
type Exec = (s: State, dot: unknown) => number;

const MISSING: unique symbol = Symbol("missing");
const NORMAL = 0;
const BREAK = 1;
const CONTINUE = 2;
/** Go allows 100000 nested template calls; a JS stack holds far fewer closures, so we stop earlier. */
const MAX_EXEC_DEPTH = 1000;

export interface CompileInput {
  readonly tree: Tree;
  readonly root: ListNode;
  readonly defines: ReadonlyMap<string, ListNode>;
  readonly funcs: FuncMap;
  readonly missingKey: MissingKey;
}

/** A compiled template: closures built once from the parse tree, so execution does no tree walking. */
export interface Compiled {
  /** Runs the template; with a budget, every step and character is charged to it. */
  execute(data: unknown, budget?: ExecBudget): string;
}

/** One named template of a set and the parse tree (file) it came from, for error positions. */
export interface NamedTemplate {
  readonly tree: Tree;
  readonly list: ListNode;
}

export function compile(input: CompileInput): Compiled {
  const entries = new Map<string, NamedTemplate>([[input.tree.parseName, { tree: input.tree, list: input.root }]]);
  for (const [name, list] of input.defines) entries.set(name, { tree: input.tree, list });
  const registry = new TemplateRegistry(entries, input.funcs, input.missingKey);
  const name = input.tree.parseName;
  return { execute: (data: unknown, budget?: ExecBudget): string => registry.execute(name, data, budget) };
}

/**
 * Go's template set (the templates associated with one `*template.Template`): every named
 * template, each compiled lazily by a compiler for its own tree, and `{{template "x"}}` resolved
 * across the whole set.
 */
export class TemplateRegistry {
  private readonly compilers = new Map<Tree, Compiler>();
  private readonly compiled = new Map<string, Exec>();

  readonly entries: ReadonlyMap<string, NamedTemplate>;
  readonly funcs: FuncMap;
  readonly missingKey: MissingKey;

  constructor(entries: ReadonlyMap<string, NamedTemplate>, funcs: FuncMap, missingKey: MissingKey) {
    this.entries = entries;
    this.funcs = funcs;
    this.missingKey = missingKey;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The compiled template `name`; a placeholder first so recursive templates compile. */
  lookup(name: string): Exec | undefined {
    let run = this.compiled.get(name);
    if (run !== undefined) return run;
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    let body: Exec | undefined;
    const compiler = this.compilerFor(entry.tree);
    run = (s, dot) => (body ??= compiler.compileList(entry.list))(s, dot);
    this.compiled.set(name, run);
    return run;
  }

  private compilerFor(tree: Tree): Compiler {
    let c = this.compilers.get(tree);
    if (c === undefined) {
      c = new Compiler(tree, this);
      this.compilers.set(tree, c);
    }
    return c;
  }

  /** Go's `ExecuteTemplate(name, data)`. */
  execute(name: string, data: unknown, budget?: ExecBudget): string {
    const entry = this.entries.get(name);
    const run = this.lookup(name);
    if (entry === undefined || run === undefined) {
      throw new TemplateError(TEMPLATE_ERROR.exec, `template: no template ${JSON.stringify(name)} associated with template`, { templateName: name });
    }
    const dot = data === null ? undefined : data;
    const b = budget ?? UNLIMITED;
    const s: State = { out: "", names: ["$"], values: [dot], name, depth: 0, budget: b, outLimit: b.remainingOutput() };
    try {
      withBudget(budget, () => run(s, dot));
      b.output(s.out.length);
    } catch (err) {
      if (err instanceof RangeError && /call stack/i.test(err.message)) {
        throw this.compilerFor(entry.tree).depthError(s);
      }
      throw err;
    }
    return s.out;
  }
}

class Compiler {
  private readonly funcs: FuncMap;
  private readonly missingKey: MissingKey;
  private readonly tree: Tree;
  private readonly registry: TemplateRegistry;

  constructor(tree: Tree, registry: TemplateRegistry) {
    this.tree = tree;
    this.registry = registry;
    this.funcs = registry.funcs;
    this.missingKey = registry.missingKey;
  }

  compileList(list: ListNode): Exec {
    return this.list(list);
  }

  depthError(s: State): TemplateError {
    return this.error(s, undefined, `exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
  }

  /** Go's `state.errorf`: `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`. */
  private error(s: State, node: AnyNode | undefined, message: string, code: TemplateErrorCode = TEMPLATE_ERROR.exec): TemplateError {
    if (node === undefined) {
      return new TemplateError(TEMPLATE_ERROR.exec, `template: ${s.name}: ${message}`, { templateName: s.name });
    }
    const text = this.tree.text.slice(0, node.pos);
    const lineStart = text.lastIndexOf("\n") + 1;
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    const col = byteLength(text.slice(lineStart));
    // Go 1.23's ErrorContext prints the whole node (helm 3.17.2, built with it, shows `<.Values.nested.deeper>`).
    const context = nodeString(node);
    return new TemplateError(
      code,
      `template: ${this.tree.parseName}:${line}:${col}: executing ${JSON.stringify(s.name)} at <${context}>: ${message}`,
      { templateName: s.name, line, column: col },
    );
  }

  /** The output (or one function's result) outgrew what the budget still allows. */
  private outputExceeded(s: State, size: number, fn?: string): never {
    // The budget names the limit (the app's or the total's) that this size breaks.
    s.budget.allocate(size, fn === undefined ? `template ${JSON.stringify(s.name)} output` : `the result of ${fn}`);
    throw new BudgetExceededError(BUDGET_LIMIT.output, true, `render budget exceeded: more than ${s.outLimit} bytes of template output`);
  }

  // ---- statements ----

  private list(list: ListNode): Exec {
    const fns = list.nodes.map((n) => this.statement(n));
    const only = fns.length === 1 ? fns[0] : undefined;
    if (only !== undefined) {
      return (s, dot) => {
        s.budget.step();
        return only(s, dot);
      };
    }
    return (s, dot) => {
      for (let i = 0; i < fns.length; i++) {
        s.budget.step();
        const c = fns[i](s, dot);
        if (c !== NORMAL) return c;
      }
      return NORMAL;
    };
  }

  private statement(n: StatementNode): Exec {
    switch (n.type) {
      case "text": {
        const text = n.text;
        return (s) => {
          s.out += text;
          if (s.out.length > s.outLimit) this.outputExceeded(s, s.out.length);
          return NORMAL;
        };
      }
      case "action": {
        const pipe = this.pipeline(n.pipe);
        if (n.pipe.decl.length > 0) {
          return (s, dot) => {
            pipe(s, dot);
            return NORMAL;
          };
        }
        return (s, dot) => {
          const v = pipe(s, dot);
          s.out += typeof v === "string" ? v : v === undefined || v === null ? "<no value>" : formatValue(v);
          if (s.out.length > s.outLimit) this.outputExceeded(s, s.out.length);
          return NORMAL;
        };
      }
      case "if":
      case "with": {
        const pipe = this.pipeline(n.pipe);
        const body = this.list(n.list);
        const elseBody = n.elseList === undefined ? undefined : this.list(n.elseList);
        const isWith = n.type === "with";
        return (s, dot) => {
          const mark = s.names.length;
          const v = pipe(s, dot);
          let c = NORMAL;
          if (isTrue(v)) c = body(s, isWith ? v : dot);
          else if (elseBody !== undefined) c = elseBody(s, dot);
          s.names.length = mark;
          s.values.length = mark;
          return c;
        };
      }
      case "range":
        return this.range(n);
      case "break":
        return () => BREAK;
      case "continue":
        return () => CONTINUE;
      case "template": {
        const pipe = n.pipe === undefined ? undefined : this.pipeline(n.pipe);
        const name = n.name;
        return (s, dot) => {
          const run = this.define(name);
          if (run === undefined) throw this.error(s, n, `template ${JSON.stringify(name)} not defined`);
          if (s.depth >= MAX_EXEC_DEPTH) throw this.error(s, n, `exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
          let newDot = pipe === undefined ? undefined : pipe(s, dot);
          if (newDot === null) newDot = undefined;
          const { names, values, name: savedName } = s;
          s.names = ["$"];
          s.values = [newDot];
          s.name = name;
          s.depth++;
          run(s, newDot);
          s.depth--;
          s.names = names;
          s.values = values;
          s.name = savedName;
          return NORMAL;
        };
      }
    }
  }

  private define(name: string): Exec | undefined {
    return this.registry.lookup(name);
  }

  private range(n: Extract<StatementNode, { type: "range" }>): Exec {
    const pipe = this.pipeline(n.pipe);
    const body = this.list(n.list);
    const elseBody = n.elseList === undefined ? undefined : this.list(n.elseList);
    const decl = n.pipe.decl.map((d) => d.ident[0] ?? "$");
    const isAssign = n.pipe.isAssign;
    return (s, dot) => {
      const outer = s.names.length;
      const val = pipe(s, dot);
      const mark = s.names.length;
      const one = (index: unknown, elem: unknown): number => {
        if (decl.length > 0) {
          if (isAssign) this.setVar(s, n, decl.length > 1 ? decl[0] : decl[0], decl.length > 1 ? index : elem);
          else s.values[mark - 1] = elem;
        }
        if (decl.length > 1) {
          if (isAssign) this.setVar(s, n, decl[1], elem);
          else s.values[mark - 2] = index;
        }
        s.budget.step();
        const c = body(s, elem);
        s.names.length = mark;
        s.values.length = mark;
        return c;
      };
      let ran = false;
      switch (kindOf(val)) {
        case "slice": {
          const arr = val as unknown[];
          for (let i = 0; i < arr.length; i++) {
            ran = true;
            if (one(BigInt(i), arr[i]) === BREAK) break;
          }
          break;
        }
        case "bytes": {
          const arr = val as Uint8Array;
          for (let i = 0; i < arr.length; i++) {
            ran = true;
            if (one(BigInt(i), BigInt(arr[i] ?? 0)) === BREAK) break;
          }
          break;
        }
        case "map": {
          const m = val as object;
          for (const k of sortedKeys(m)) {
            ran = true;
            if (one(k, mapGet(m, k)) === BREAK) break;
          }
          break;
        }
        case "int": {
          if (decl.length > 1) throw this.error(s, n, `can't use a value of type ${typeName(val)} to iterate over more than one variable`);
          const count = val as bigint;
          for (let i = 0n; i < count; i++) {
            ran = true;
            if (one(i, i) === BREAK) break;
          }
          break;
        }
        case "invalid":
        case "nil":
          break;
        default:
          // Go prints the value itself; data may be secret (Sealed Secrets templates), so we name only its type.
          throw this.error(s, n, `range can't iterate over a value of type ${typeName(val)}`);
      }
      let c = NORMAL;
      if (!ran && elseBody !== undefined) c = elseBody(s, dot);
      s.names.length = outer;
      s.values.length = outer;
      return c;
    };
  }

  // ---- variables ----

  private varValue(s: State, node: AnyNode, name: string): unknown {
    for (let i = s.names.length - 1; i >= 0; i--) if (s.names[i] === name) return s.values[i];
    throw this.error(s, node, `undefined variable: ${name}`);
  }

  private setVar(s: State, node: AnyNode, name: string, value: unknown): void {
    for (let i = s.names.length - 1; i >= 0; i--) {
      if (s.names[i] === name) {
        s.values[i] = value;
        return;
      }
    }
    throw this.error(s, node, `undefined variable: ${name}`);
  }

  // ---- pipelines and commands ----

  private pipeline(pipe: PipeNode): ArgEval {
    const cmds = pipe.cmds.map((c, i) => this.command(c, i > 0));
    const decl = pipe.decl.map((d) => d.ident[0] ?? "$");
    const isAssign = pipe.isAssign;
    const only = cmds.length === 1 ? cmds[0] : undefined;
    const run: ArgEval =
      only !== undefined
        ? (s, dot) => {
            const v = only(s, dot, MISSING);
            return v === null ? undefined : v;
          }
        : (s, dot) => {
            let v: unknown = MISSING;
            for (let i = 0; i < cmds.length; i++) {
              v = cmds[i](s, dot, v);
              if (v === null) v = undefined;
            }
            return v;
          };
    if (decl.length === 0) return run;
    return (s, dot) => {
      const v = run(s, dot);
      for (const name of decl) {
        if (isAssign) this.setVar(s, pipe, name, v);
        else {
          s.names.push(name);
          s.values.push(v);
        }
      }
      return v;
    };
  }

  private command(cmd: CommandNode, hasFinal: boolean): Eval {
    const first = cmd.args[0];
    if (first === undefined) return (s) => { throw this.error(s, cmd, "empty command"); };
    const args = cmd.args;
    switch (first.type) {
      case "field":
        return this.fieldChain(first, (_s, dot) => dot, first.ident, args);
      case "chain": {
        if (first.node.type === "nil") return (s) => { throw this.error(s, first, `indirection through explicit nil in ${nodeString(first)}`); };
        const receiver = this.arg(first.node, undefined);
        return this.fieldChain(first, receiver, first.field, args);
      }
      case "variable":
        return this.variable(first, args);
      case "identifier":
        return this.call(cmd, first.ident, args.slice(1), hasFinal);
      default: {
        const notAFunction = args.length > 1 || hasFinal;
        const value = first.type === "pipe" ? this.pipeline(first) : this.literal(first);
        return (s, dot, final) => {
          if (notAFunction && (args.length > 1 || final !== MISSING)) {
            throw this.error(s, first, `can't give argument to non-function ${nodeString(first)}`);
          }
          return value(s, dot);
        };
      }
    }
  }

  private literal(n: ArgNode): ArgEval {
    switch (n.type) {
      case "bool": {
        const v = n.value;
        return () => v;
      }
      case "dot":
        return (_s, dot) => dot;
      case "nil":
        return (s) => { throw this.error(s, n, "nil is not a command"); };
      case "number": {
        const v = idealConstant(n);
        return () => v;
      }
      case "string": {
        const v = n.text;
        return () => v;
      }
      default:
        return this.arg(n, undefined);
    }
  }

  private variable(n: Extract<ArgNode, { type: "variable" }>, args: readonly ArgNode[]): Eval {
    const name = n.ident[0] ?? "$";
    if (n.ident.length === 1) {
      return (s, _dot, final) => {
        const v = this.varValue(s, n, name);
        if (args.length > 1 || final !== MISSING) throw this.error(s, n, `can't give argument to non-function ${nodeString(n)}`);
        return v;
      };
    }
    return this.fieldChain(n, (s) => this.varValue(s, n, name), n.ident.slice(1), args);
  }

  /** Go's evalFieldChain: all but the last field are plain lookups; the last may take arguments. */
  private fieldChain(node: ArgNode, receiver: ArgEval, ident: readonly string[], args: readonly ArgNode[]): Eval {
    const last = ident[ident.length - 1] ?? "";
    const init = ident.slice(0, -1);
    const methodArgs = args.slice(1).map((a) => this.arg(a, "any"));
    const hasArgs = args.length > 1;
    return (s, dot, final) => {
      let r = receiver(s, dot);
      for (let i = 0; i < init.length; i++) r = this.field(s, node, init[i], r, false, i > 0);
      if (r instanceof GoTime || r instanceof GoStruct) {
        const argv = methodArgs.map((a) => a(s, dot));
        if (final !== MISSING) argv.push(final);
        return r instanceof GoTime ? this.timeMethod(s, node, r, last, argv) : this.structMember(s, node, r, last, argv, true);
      }
      const method = goMethod(r, last);
      if (method !== undefined) {
        const argv = methodArgs.map((a) => a(s, dot));
        if (final !== MISSING) argv.push(final);
        return this.callMethod(s, node, last, method, argv);
      }
      return this.field(s, node, last, r, hasArgs || final !== MISSING, init.length > 0);
    };
  }

  /**
   * Go's evalField on a map-like receiver. `nested` says the receiver came out of a map, where Go
   * sees the static type `interface {}` and names that in its errors.
   */
  private field(s: State, node: ArgNode, name: string, receiver: unknown, hasArgs: boolean, nested: boolean): unknown {
    const method = goMethod(receiver, name);
    if (method !== undefined) return this.callMethod(s, node, name, method, []);
    if (typeof receiver === "object" && receiver !== null && !Array.isArray(receiver)) {
      if (receiver instanceof GoTime) return this.timeMethod(s, node, receiver, name, []);
      if (receiver instanceof GoStruct) return this.structMember(s, node, receiver, name, [], false);
      if (isMap(receiver) || receiver instanceof Map) {
        if (hasArgs) throw this.error(s, node, `${name} is not a method but has arguments`);
        const v = mapGet(receiver, name);
        if (v !== undefined) return v;
        switch (this.missingKey) {
          case "error":
            throw this.error(s, node, `map has no entry for key ${JSON.stringify(name)}`);
          case "zero":
            return null;
          default:
            return undefined;
        }
      }
    }
    if (receiver === undefined) {
      if (this.missingKey === "error") throw this.error(s, node, `nil data; no entry for key ${JSON.stringify(name)}`);
      return undefined;
    }
    if (receiver === null) throw this.error(s, node, `nil pointer evaluating interface {}.${name}`);
    throw this.error(s, node, `can't evaluate field ${name} in type ${nested ? "interface {}" : typeName(receiver)}`);
  }

  private callMethod(s: State, node: ArgNode, name: string, method: (...args: unknown[]) => unknown, args: unknown[]): unknown {
    s.budget.step();
    try {
      return method(...args);
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      throw this.error(s, node, `error calling ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Go's evalField on a struct: a field (no arguments allowed) or a method call. */
  private structMember(s: State, node: ArgNode, r: GoStruct, name: string, args: unknown[], last: boolean): unknown {
    const m = r.member(name);
    if (m === undefined) throw this.error(s, node, `can't evaluate field ${name} in type ${r.goType}`);
    if (m.kind === "field") {
      if (args.length > 0) throw this.error(s, node, `${name} has arguments but cannot be invoked as function`);
      return m.value;
    }
    if (!last && args.length > 0) throw this.error(s, node, `${name} is not a method but has arguments`);
    try {
      return m.call(args);
    } catch (err) {
      throw this.error(s, node, `error calling ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private timeMethod(s: State, node: ArgNode, t: GoTime, name: string, args: unknown[]): unknown {
    try {
      return callTimeMethod(t, name, args);
    } catch (err) {
      if (err instanceof TypeError) throw this.error(s, node, `can't evaluate field ${name} in type time.Time`);
      throw this.error(s, node, `error calling ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // ---- function calls ----

  private call(node: AnyNode, name: string, args: readonly ArgNode[], hasFinal: boolean): Eval {
    const fn = this.funcs.get(name);
    if (fn === undefined) return (s) => { throw this.error(s, node, `${JSON.stringify(name)} is not a defined function`); };
    const numIn = args.length + (hasFinal ? 1 : 0);
    const numFixed = fn.variadic === undefined ? args.length : fn.params.length;
    if (fn.variadic !== undefined && numIn < numFixed) {
      const msg = `wrong number of args for ${name}: want at least ${fn.params.length} got ${args.length}`;
      return (s) => { throw this.error(s, node, msg); };
    }
    if (fn.variadic === undefined && numIn !== fn.params.length) {
      const msg = `wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`;
      return (s) => { throw this.error(s, node, msg); };
    }
    if (fn.special !== undefined) return this.andOr(fn.special, args, hasFinal);
    const argEvals = args.map((a, i) => this.arg(a, i < numFixed ? fn.params[i] : fn.variadic));
    let finalType: ParamType | undefined;
    if (hasFinal) {
      if (fn.variadic !== undefined) finalType = numIn - 1 < numFixed ? fn.params[numIn - 1] : fn.variadic;
      else finalType = fn.params[fn.params.length - 1];
    }
    const impl = fn.fn as (...a: unknown[]) => unknown;
    const n = argEvals.length;
    return (s, dot, final) => {
      s.budget.step();
      const argv = new Array<unknown>(n + (hasFinal ? 1 : 0));
      for (let i = 0; i < n; i++) argv[i] = argEvals[i](s, dot);
      if (hasFinal) argv[n] = this.validate(s, node, final, finalType);
      try {
        const result = impl(...argv);
        // A value larger than all the output still allowed can only be a runaway (`repeat`, `replace`, `toJson`).
        if (typeof result === "string" && result.length > s.outLimit) this.outputExceeded(s, result.length, name);
        return result;
      } catch (err) {
        if (err instanceof TemplateError) throw err;
        const code = err instanceof FuncError ? err.code : undefined;
        throw this.error(s, node, `error calling ${name}: ${err instanceof Error ? err.message : String(err)}`, code);
      }
    };
  }

  private andOr(kind: "and" | "or", args: readonly ArgNode[], hasFinal: boolean): Eval {
    const evals = args.map((a) => this.arg(a, "value"));
    const wantTruth = kind === "or";
    return (s, dot, final) => {
      let v: unknown;
      for (const e of evals) {
        v = e(s, dot);
        if (isTrue(v) === wantTruth) return v;
      }
      return hasFinal ? final : v;
    };
  }

  /** Go's evalArg: evaluates an operand for a parameter of the given type, converting constants. */
  private arg(n: ArgNode, type: ParamType | undefined): ArgEval {
    switch (n.type) {
      case "dot":
        return (s, dot) => this.validate(s, n, dot, type);
      case "nil":
        // Go's canBeNil: interfaces and maps take nil; a reflect.Value parameter gets the invalid value.
        if (type === "value") return () => undefined;
        if (type === undefined || type === "any" || type === "map") return () => null;
        return (s) => { throw this.error(s, n, `cannot assign nil to ${PARAM_TYPE_NAME[type]}`); };
      case "field": {
        const chain = this.fieldChain(n, (_s, dot) => dot, n.ident, [n]);
        return (s, dot) => this.validate(s, n, chain(s, dot, MISSING), type);
      }
      case "variable": {
        const v = this.variable(n, [n]);
        return (s, dot) => this.validate(s, n, v(s, dot, MISSING), type);
      }
      case "pipe": {
        const p = this.pipeline(n);
        return (s, dot) => this.validate(s, n, p(s, dot), type);
      }
      case "identifier": {
        const c = this.call(n, n.ident, [], false);
        return (s, dot) => this.validate(s, n, c(s, dot, MISSING), type);
      }
      case "chain": {
        const c = this.command({ type: "command", pos: n.pos, args: [n] }, false);
        return (s, dot) => this.validate(s, n, c(s, dot, MISSING), type);
      }
      default:
        return this.constantArg(n, type);
    }
  }

  private constantArg(n: Extract<ArgNode, { type: "bool" | "number" | "string" }>, type: ParamType | undefined): ArgEval {
    const fail = (message: string): ArgEval => (s) => { throw this.error(s, n, message); };
    switch (type) {
      case undefined:
      case "any":
      case "value": {
        const v = n.type === "number" ? idealConstant(n) : n.type === "bool" ? n.value : n.text;
        return () => v;
      }
      case "string":
        if (n.type === "string") {
          const v = n.text;
          return () => v;
        }
        return fail(`expected string; found ${nodeString(n)}`);
      case "int":
        if (n.type === "number" && n.isInt) {
          const v = n.int;
          return () => v;
        }
        return fail(`expected integer; found ${nodeString(n)}`);
      case "float":
        if (n.type === "number" && n.isFloat) {
          const v = n.float;
          return () => v;
        }
        return fail(`expected float; found ${nodeString(n)}`);
      case "bool":
        if (n.type === "bool") {
          const v = n.value;
          return () => v;
        }
        return fail(`expected bool; found ${nodeString(n)}`);
      case "map":
      case "time":
        return fail(`can't handle ${nodeString(n)} for arg of type ${PARAM_TYPE_NAME[type]}`);
    }
  }

  /** Go's validateType. */
  private validate(s: State, node: AnyNode, v: unknown, type: ParamType | undefined): unknown {
    if (type === undefined || type === "value") return v;
    if (v === undefined) {
      if (type === "any" || type === "map") return null;
      if (type === "time") throw this.error(s, node, `invalid value; expected time.Time`);
      throw this.error(s, node, `invalid value; expected ${PARAM_TYPE_NAME[type]}`);
    }
    let ok: boolean;
    switch (type) {
      case "any":
        return v;
      case "string":
        ok = typeof v === "string";
        break;
      case "int":
        ok = typeof v === "bigint";
        break;
      case "float":
        ok = typeof v === "number";
        break;
      case "bool":
        ok = typeof v === "boolean";
        break;
      case "map":
        ok = v === null || isMap(v) || v instanceof Map;
        break;
      case "time":
        ok = v instanceof GoTime;
        break;
    }
    if (ok) return v;
    const got = v === null ? "interface {}" : typeName(v);
    throw this.error(s, node, `wrong type for value; expected ${PARAM_TYPE_NAME[type]}; got ${got}`);
  }
}

/** Go's idealConstant: integer literals are `int`, literals with `.eEpP` are `float64`. */
function idealConstant(n: Extract<ArgNode, { type: "number" }>): unknown {
  const isHexInt = /^[+-]?0[xX][0-9a-fA-F_]*$/.test(n.text);
  const isRune = n.text.startsWith("'");
  if (n.isFloat && !isHexInt && !isRune && /[.eEpP]/.test(n.text)) return n.float;
  return n.int;
}

export type { GoFunction };
