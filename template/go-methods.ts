/**
 * Methods on data values, as Go types carry them (`.Capabilities.APIVersions.Has "apps/v1"`,
 * `.Files.Get "x"`, `.Capabilities.KubeVersion.GitVersion`). A value gets them through a
 * non-enumerable symbol, so ranging, printing and JSON still see only its fields or elements.
 * Go's evaluator prefers a method over a map key of the same name; so do we.
 */
export const GO_METHODS: unique symbol = Symbol("flotilla.goMethods");

/** Method name to implementation; throw an Error to return a Go error ("error calling NAME: ..."). */
export type GoMethods = Readonly<Record<string, (...args: unknown[]) => unknown>>;

interface WithMethods {
  readonly [GO_METHODS]?: GoMethods;
}

/** Attaches methods to an object or array (in place) and returns it. A `String` method is used when the value is printed, as fmt uses Go's Stringer. */
export function withGoMethods<T extends object>(value: T, methods: GoMethods): T {
  Object.defineProperty(value, GO_METHODS, { value: methods, enumerable: false, configurable: true });
  return value;
}

/** The method `name` of `value`, if it has one. */
export function goMethod(value: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const methods = (value as WithMethods)[GO_METHODS];
  if (methods === undefined || !Object.prototype.hasOwnProperty.call(methods, name)) return undefined;
  return methods[name];
}
