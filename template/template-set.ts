import { systemClock, type Clock } from "../core/index.js";
import type { ExecBudget } from "./exec-budget.js";
import { TemplateRegistry, type MissingKey, type NamedTemplate } from "./exec.js";
import { functionSet, userFunction, type FunctionSet } from "./function-sets.js";
import type { FuncMap, GoFunction } from "./go-function.js";
import type { ListNode } from "./ast.js";
import { parse } from "./parser.js";
import { systemRandom, type RandomSource } from "./random-source.js";

/**
 * A Go template set: many named templates (one per file) sharing their `define`s, as Helm builds
 * one `*template.Template` for a whole chart. `extend` is Go's `Clone().New(name).Parse(text)`,
 * which Helm's `tpl` does for every call.
 */
export interface TemplateSet {
  has(name: string): boolean;
  /** Go's `ExecuteTemplate(name, data)`; throws TemplateError like `parseTemplate(...).execute`. */
  execute(name: string, data: unknown, budget?: ExecBudget): string;
  /** A copy of this set with `text` parsed as template `name`; its defines are added (or replace). */
  extend(name: string, text: string): TemplateSet;
}

export interface TemplateSetOptions {
  /** Go's `missingkey=` option; default "error". */
  readonly missingKey?: MissingKey;
  readonly functionSet?: FunctionSet;
  readonly clock?: Clock;
  /** Randomness for `rand*`, `uuidv4`, key generators; crypto/rand by default. */
  readonly random?: RandomSource;
  /** Extra functions with Go signatures (argument types and counts checked as Go checks them). */
  readonly funcs?: Readonly<Record<string, GoFunction>>;
  /**
   * Functions bound to the set they run in, made again for every `extend`ed copy, as Helm
   * re-injects `include` and `tpl` into each clone so they see the clone's defines.
   */
  readonly setFuncs?: Readonly<Record<string, (set: TemplateSet) => GoFunction>>;
}

/** One template source of a set: its name (Go's ParseName, shown in errors) and text. */
export interface TemplateSource {
  readonly name: string;
  readonly text: string;
}

/**
 * Parses every source into one set, in the given order. A later template of the same name
 * replaces an earlier one unless it is empty (Go's `associate`). Throws TemplateError
 * (TEMPLATE_PARSE) for the first source that does not parse.
 */
export function parseTemplateSet(sources: Iterable<TemplateSource>, options: TemplateSetOptions = {}): TemplateSet {
  return bindTemplates(parseTemplates(sources, options), options);
}

/**
 * Templates parsed but not bound to functions: immutable, so one parse can serve every execution
 * of the same sources (a chart rendered for many clusters), each bound to its own functions.
 */
export interface ParsedTemplates {
  readonly entries: ReadonlyMap<string, NamedTemplate>;
  /** The function names the parse accepted: a binding must offer exactly these. */
  readonly names: ReadonlySet<string>;
}

/** The parse half of `parseTemplateSet`; only the function names of `options` matter here. */
export function parseTemplates(sources: Iterable<TemplateSource>, options: Pick<TemplateSetOptions, "functionSet" | "funcs" | "setFuncs"> = {}): ParsedTemplates {
  const names = functionNames(baseFunctions(options), options);
  let entries = new Map<string, NamedTemplate>();
  for (const source of sources) entries = addParsed(entries, source, names);
  return { entries, names };
}

/** The bind half: a set over parsed templates with these functions (clock, randomness, set functions). */
export function bindTemplates(parsed: ParsedTemplates, options: TemplateSetOptions = {}): TemplateSet {
  const base = baseFunctions(options);
  const names = functionNames(base, options);
  // Parsing checked each called function exists: binding other functions would skip that check.
  if (names.size !== parsed.names.size || [...names].some((n) => !parsed.names.has(n))) throw new Error("bindTemplates: the functions differ from the ones the templates were parsed with");
  return new BoundSet(parsed.entries, base, parsed.names, options);
}

function functionNames(base: FuncMap, options: Pick<TemplateSetOptions, "setFuncs">): ReadonlySet<string> {
  return new Set([...base.keys(), ...Object.keys(options.setFuncs ?? {})]);
}

class BoundSet implements TemplateSet {
  private readonly registry: TemplateRegistry;
  private readonly entries: ReadonlyMap<string, NamedTemplate>;
  private readonly base: FuncMap;
  private readonly names: ReadonlySet<string>;
  private readonly options: TemplateSetOptions;

  constructor(entries: ReadonlyMap<string, NamedTemplate>, base: FuncMap, names: ReadonlySet<string>, options: TemplateSetOptions) {
    this.entries = entries;
    this.base = base;
    this.names = names;
    this.options = options;
    let funcs: FuncMap = base;
    if (options.setFuncs !== undefined) {
      const merged = new Map(base);
      for (const [name, bind] of Object.entries(options.setFuncs)) merged.set(name, bind(this));
      funcs = merged;
    }
    this.registry = new TemplateRegistry(entries, funcs, options.missingKey ?? "error");
  }

  has(name: string): boolean {
    return this.registry.has(name);
  }

  execute(name: string, data: unknown, budget?: ExecBudget): string {
    return this.registry.execute(name, data, budget);
  }

  extend(name: string, text: string): TemplateSet {
    return new BoundSet(addParsed(this.entries, { name, text }, this.names), this.base, this.names, this.options);
  }
}

function addParsed(entries: ReadonlyMap<string, NamedTemplate>, source: TemplateSource, names: ReadonlySet<string>): Map<string, NamedTemplate> {
  const parsed = parse(source.text, source.name, (fn) => names.has(fn));
  const next = new Map(entries);
  const add = (name: string, list: ListNode): void => {
    if (next.has(name) && isEmptyList(list)) return;
    next.set(name, { tree: parsed.tree, list });
  };
  add(source.name, parsed.root);
  for (const [name, list] of parsed.defines) add(name, list);
  return next;
}

/** Go's `parse.IsEmptyTree`: only blank text (comments are already gone). */
function isEmptyList(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === "text" && n.text.trim() === "");
}

/** Merged maps by base map and extra functions: a chart's renders share one (maps are never changed). */
const mergedFunctions = new WeakMap<FuncMap, WeakMap<object, FuncMap>>();

function baseFunctions(options: Pick<TemplateSetOptions, "functionSet" | "clock" | "random" | "funcs">): FuncMap {
  const base = functionSet(options.functionSet ?? "argocd", options.clock ?? systemClock, options.random ?? systemRandom);
  const funcs = options.funcs;
  if (funcs === undefined) return base;
  let byFuncs = mergedFunctions.get(base);
  if (byFuncs === undefined) {
    byFuncs = new WeakMap();
    mergedFunctions.set(base, byFuncs);
  }
  let merged = byFuncs.get(funcs);
  if (merged === undefined) {
    const m = new Map(base);
    for (const [name, fn] of Object.entries(funcs)) m.set(name, fn);
    merged = m;
    byFuncs.set(funcs, merged);
  }
  return merged;
}

export { userFunction };
