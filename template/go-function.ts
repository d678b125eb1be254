/**
 * A template function with a Go signature. Go's evaluator checks and converts each argument
 * against the parameter type before the call, and reports mismatches in its own words
 * ("wrong type for value; expected string; got int"); we declare the same types to do the same.
 *
 * - `value`: Go's `reflect.Value` parameter (builtins): anything, including "no value" (`undefined`);
 * - `any`: `interface{}`: anything, "no value" arrives as `null`;
 * - `string`, `int` (bigint), `float` (number), `bool`, `map` (a plain object or Map), `time`
 *   (GoTime): that Go type exactly.
 */
export type ParamType = "value" | "any" | "string" | "int" | "float" | "bool" | "map" | "time";

export interface GoFunction {
  readonly params: readonly ParamType[];
  /** Element type of a trailing `...T` parameter. */
  readonly variadic?: ParamType | undefined;
  /** Throw an Error to return a Go error: the evaluator reports `error calling NAME: MESSAGE`. */
  readonly fn: (...args: never[]) => unknown;
  /** Builtins the evaluator treats specially (short-circuit `and`/`or`). */
  readonly special?: "and" | "or" | undefined;
}

export type FuncMap = ReadonlyMap<string, GoFunction>;

/** Declares a function: `goFunc(["string", "int"], (s, n) => ...)`. */
export function goFunc<A extends unknown[]>(params: readonly ParamType[], fn: (...args: A) => unknown, variadic?: ParamType): GoFunction {
  return { params, variadic, fn: fn };
}

export const PARAM_TYPE_NAME: Readonly<Record<ParamType, string>> = {
  value: "reflect.Value",
  any: "interface {}",
  string: "string",
  int: "int",
  float: "float64",
  bool: "bool",
  map: "map[string]interface {}",
  time: "time.Time",
};
