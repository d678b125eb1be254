/**
 * A Go struct (or pointer to one) that a Sprig function returns: `semver` gives a
 * `*semver.Version`, `genCA` a `sprig.certificate`. Templates read its exported fields and call its
 * methods (`{{ (semver "1.2.3").Major }}`, `{{ $v.LessThan $w }}`, `{{ $ca.Cert }}`), `print` shows
 * it with Go's `%v` (a `Stringer`'s String(), else `{field field}`), and `toJson` encodes it as
 * `encoding/json` would (a MarshalJSON, else its exported fields).
 */
export abstract class GoStruct {
  /** Go's `%T`, e.g. `*semver.Version`. */
  abstract readonly goType: string;
  /** Sprig's `kindOf`: `ptr` for a pointer receiver, `struct` for a value. */
  abstract readonly goKind: "ptr" | "struct";
  /** An exported field's value, or a method; `undefined` when the type has neither of that name. */
  abstract member(name: string): GoMember | undefined;
  /** Go's `%v`. */
  abstract formatGo(): string;
  /** What `encoding/json` encodes for this value (before our JSON writer adds key order). */
  abstract toGoJson(): unknown;
}

export type GoMember =
  | { readonly kind: "field"; readonly value: unknown }
  | { readonly kind: "method"; readonly call: (args: readonly unknown[]) => unknown };

/** Checks a method's argument count the way Go's evaluator words it. */
export function wantArgs(name: string, args: readonly unknown[], n: number): void {
  if (args.length !== n) throw new Error(`wrong number of args for ${name}: want ${n} got ${args.length}`);
}
