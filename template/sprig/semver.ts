import { goFunc, type GoFunction } from "../go-function.js";
import { GoStruct, wantArgs, type GoMember } from "../go-struct.js";
import { typeName } from "../go-values.js";

/**
 * Masterminds/semver v3.3 (what Sprig v3.3 and so Helm 3 and Argo CD use) ported line by line.
 *
 * Why not the npm `semver` package: its range semantics differ from Masterminds' in exactly the
 * places charts rely on. npm lets a prerelease satisfy a range only when a comparator has a
 * prerelease on the same `major.minor.patch` tuple; Masterminds accepts any prerelease once the
 * constraint has one (`>=1.21.0-0` admits `1.30.1-eks-1`, the idiom charts use on
 * `.Capabilities.KubeVersion`). Masterminds also reads `>1.2` as "above the 1.2 series", `<=1.2`
 * as "up to the end of 1.2", `=1.x` and `1.2` as tilde ranges, accepts `,` and spaces as AND,
 * `=>`/`=<` operators, `v` prefixes and two-part versions (`1.2` is `1.2.0`), none of which npm
 * parses the same way. Keeping its grammar and checks verbatim is the only way to give the same
 * answer for every constraint a chart can write.
 */

const SEMVER_RE = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;
const NUM = /^[0-9]*$/;
const ALLOWED = /^[0-9A-Za-z-]*$/;
const MAX_UINT64 = (1n << 64n) - 1n;

export const SEMVER_ERRORS = {
  invalid: "Invalid Semantic Version",
  empty: "Version string empty",
  characters: "Invalid characters in version",
  segmentZero: "Version segment starts with 0",
  metadata: "Invalid Metadata string",
  prerelease: "Invalid Prerelease string",
} as const;

/** Go's strconv.ParseUint(s, 10, 64) on a string of digits. */
function parseUint(s: string): bigint {
  const n = BigInt(s);
  if (n > MAX_UINT64) throw new Error(`Error parsing version segment: strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

function validatePrerelease(p: string): void {
  for (const part of p.split(".")) {
    if (NUM.test(part)) {
      if (part.length > 1 && part[0] === "0") throw new Error(SEMVER_ERRORS.segmentZero);
    } else if (!ALLOWED.test(part)) throw new Error(SEMVER_ERRORS.prerelease);
  }
}

function validateMetadata(m: string): void {
  for (const part of m.split(".")) if (!ALLOWED.test(part)) throw new Error(SEMVER_ERRORS.metadata);
}

/** `*semver.Version` (goKind "ptr") or a `semver.Version` value (IncMajor and friends return one). */
export class SemverVersion extends GoStruct {
  readonly goType: string;
  readonly goKind: "ptr" | "struct";

  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: string;
  readonly metadata: string;
  readonly original: string;

  constructor(major: bigint, minor: bigint, patch: bigint, pre: string, metadata: string, original: string, pointer = true) {
    super();
    this.major = major;
    this.minor = minor;
    this.patch = patch;
    this.pre = pre;
    this.metadata = metadata;
    this.original = original;
    this.goKind = pointer ? "ptr" : "struct";
    this.goType = pointer ? "*semver.Version" : "semver.Version";
  }

  override toString(): string {
    let s = `${this.major}.${this.minor}.${this.patch}`;
    if (this.pre !== "") s += `-${this.pre}`;
    if (this.metadata !== "") s += `+${this.metadata}`;
    return s;
  }

  formatGo(): string {
    return this.toString();
  }

  toGoJson(): unknown {
    return this.toString();
  }

  compare(o: SemverVersion): number {
    if (this.major !== o.major) return this.major < o.major ? -1 : 1;
    if (this.minor !== o.minor) return this.minor < o.minor ? -1 : 1;
    if (this.patch !== o.patch) return this.patch < o.patch ? -1 : 1;
    if (this.pre === "" && o.pre === "") return 0;
    if (this.pre === "") return 1;
    if (o.pre === "") return -1;
    return comparePrerelease(this.pre, o.pre);
  }

  private vPrefix(): string {
    return this.original.startsWith("v") ? "v" : "";
  }

  /** A copy with some parts changed and `original` rewritten as Go's IncMajor and SetPrerelease do. */
  private next(parts: { major?: bigint; minor?: bigint; patch?: bigint; pre?: string; metadata?: string }): SemverVersion {
    const v = new SemverVersion(parts.major ?? this.major, parts.minor ?? this.minor, parts.patch ?? this.patch, parts.pre ?? this.pre, parts.metadata ?? this.metadata, "", false);
    return new SemverVersion(v.major, v.minor, v.patch, v.pre, v.metadata, this.vPrefix() + v.toString(), false);
  }

  member(name: string): GoMember | undefined {
    const method = (n: number, fn: (args: readonly unknown[]) => unknown): GoMember => ({
      kind: "method",
      call: (args) => {
        wantArgs(name, args, n);
        return fn(args);
      },
    });
    const other = (args: readonly unknown[]): SemverVersion => {
      const o = args[0];
      if (!(o instanceof SemverVersion) || o.goKind !== "ptr") throw new Error(`wrong type for value; expected *semver.Version; got ${o === null || o === undefined ? "<nil>" : typeName(o)}`);
      return o;
    };
    switch (name) {
      case "Major":
        return method(0, () => this.major);
      case "Minor":
        return method(0, () => this.minor);
      case "Patch":
        return method(0, () => this.patch);
      case "Prerelease":
        return method(0, () => this.pre);
      case "Metadata":
        return method(0, () => this.metadata);
      case "Original":
        return method(0, () => this.original);
      case "String":
        return method(0, () => this.toString());
      case "IncPatch":
        return method(0, () => (this.pre !== "" ? this.next({ pre: "", metadata: "" }) : this.next({ pre: "", metadata: "", patch: this.patch + 1n })));
      case "IncMinor":
        return method(0, () => this.next({ pre: "", metadata: "", patch: 0n, minor: this.minor + 1n }));
      case "IncMajor":
        return method(0, () => this.next({ pre: "", metadata: "", patch: 0n, minor: 0n, major: this.major + 1n }));
      case "SetPrerelease":
        return method(1, ([p]) => {
          if (typeof p !== "string") throw new Error(`wrong type for value; expected string; got ${typeName(p)}`);
          if (p !== "") validatePrerelease(p);
          return this.next({ pre: p });
        });
      case "SetMetadata":
        return method(1, ([m]) => {
          if (typeof m !== "string") throw new Error(`wrong type for value; expected string; got ${typeName(m)}`);
          if (m !== "") validateMetadata(m);
          return this.next({ metadata: m });
        });
      case "Compare":
        return method(1, (a) => BigInt(this.compare(other(a))));
      case "LessThan":
        return method(1, (a) => this.compare(other(a)) < 0);
      case "LessThanEqual":
        return method(1, (a) => this.compare(other(a)) <= 0);
      case "GreaterThan":
        return method(1, (a) => this.compare(other(a)) > 0);
      case "GreaterThanEqual":
        return method(1, (a) => this.compare(other(a)) >= 0);
      case "Equal":
        return method(1, (a) => this.compare(other(a)) === 0);
      default:
        return undefined;
    }
  }
}

function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === "") return o !== "" ? -1 : 1;
  if (o === "") return s !== "" ? 1 : -1;
  const oNum = /^[0-9]+$/.test(o) && BigInt(o) <= MAX_UINT64;
  const sNum = /^[0-9]+$/.test(s) && BigInt(s) <= MAX_UINT64;
  if (!oNum && !sNum) return s > o ? 1 : -1;
  if (!oNum) return -1;
  if (!sNum) return 1;
  return BigInt(s) > BigInt(o) ? 1 : -1;
}

function comparePrerelease(v: string, o: string): number {
  const sp = v.split(".");
  const op = o.split(".");
  const l = Math.max(sp.length, op.length);
  for (let i = 0; i < l; i++) {
    const d = comparePrePart(sp[i] ?? "", op[i] ?? "");
    if (d !== 0) return d;
  }
  return 0;
}

/** Masterminds' `NewVersion` (coerces `v1`, `1.2`); throws with its error text. */
export function parseSemver(v: string): SemverVersion {
  const m = SEMVER_RE.exec(v);
  if (m === null) throw new Error(SEMVER_ERRORS.invalid);
  const major = parseUint(m[1] ?? "0");
  const minor = m[2] !== undefined && m[2] !== "" ? parseUint(m[2].slice(1)) : 0n;
  const patch = m[3] !== undefined && m[3] !== "" ? parseUint(m[3].slice(1)) : 0n;
  const pre = m[5] ?? "";
  const metadata = m[8] ?? "";
  if (pre !== "") validatePrerelease(pre);
  if (metadata !== "") validateMetadata(metadata);
  return new SemverVersion(major, minor, patch, pre, metadata, v);
}

// ---- constraints (constraints.go) ----

const CV = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?` + String.raw`(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?` + String.raw`(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const OPS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;
// Go's \s is [\t\n\f\r ]; JS's is wider, so spell Go's out.
const S = String.raw`[\t\n\f\r ]`;
const CONSTRAINT_RE = new RegExp(`^${S}*(${OPS})${S}*(${CV})${S}*$`);
const RANGE_RE = new RegExp(`${S}*(${CV})${S}+-${S}+(${CV})${S}*`, "g");
const FIND_RE = new RegExp(`(${OPS})${S}*(${CV})`, "g");
const VALID_RE = new RegExp(`^(${S}*(${OPS})${S}*(${CV})${S}*)((?:${S}+|,${S}*)(${OPS})${S}*(${CV})${S}*)*$`);

type Op = "" | "=" | "!=" | ">" | "<" | ">=" | "=>" | "<=" | "=<" | "~" | "~>" | "^";

interface Constraint {
  readonly con: SemverVersion;
  readonly orig: string;
  readonly op: Op;
  readonly minorDirty: boolean;
  readonly patchDirty: boolean;
  readonly dirty: boolean;
}

const isX = (x: string): boolean => x === "x" || x === "*" || x === "X";

function parseConstraint(c: string): Constraint {
  if (c.length === 0) return { con: parseSemver("0.0.0"), orig: c, op: "", minorDirty: false, patchDirty: false, dirty: true };
  const m = CONSTRAINT_RE.exec(c);
  if (m === null) throw new Error(`improper constraint: ${c}`);
  const g = (i: number): string => m[i] ?? "";
  let ver = g(2);
  let minorDirty = false;
  let patchDirty = false;
  let dirty = false;
  if (isX(g(3)) || g(3) === "") {
    ver = `0.0.0${g(6)}`;
    dirty = true;
  } else if (isX(g(4).replace(/^\./, "")) || g(4) === "") {
    minorDirty = true;
    dirty = true;
    ver = `${g(3)}.0.0${g(6)}`;
  } else if (isX(g(5).replace(/^\./, "")) || g(5) === "") {
    dirty = true;
    patchDirty = true;
    ver = `${g(3)}${g(4)}.0${g(6)}`;
  }
  let con: SemverVersion;
  try {
    con = parseSemver(ver);
  } catch {
    throw new Error("constraint Parser Error");
  }
  return { con, orig: g(2), op: g(1) as Op, minorDirty, patchDirty, dirty };
}

function rewriteRange(i: string): string {
  let o = i;
  for (const m of i.matchAll(RANGE_RE)) o = o.replace(m[0], `>= ${m[1] ?? ""}, <= ${m[11] ?? ""} `);
  return o;
}

/** Masterminds' `NewConstraint` + `Check`; throws `improper constraint: ...` for bad syntax. */
export class SemverConstraints {
  private readonly ors: Constraint[][];

  constructor(c: string) {
    this.ors = rewriteRange(c).split("||").map((v) => {
      if (!VALID_RE.test(v)) throw new Error(`improper constraint: ${v}`);
      const cs = [...v.matchAll(FIND_RE)].map((x) => x[0]);
      return (cs.length === 0 ? [v] : cs).map(parseConstraint);
    });
  }

  check(v: SemverVersion): boolean {
    return this.ors.some((and) => and.every((c) => checkOne(v, c)));
  }
}

/** Prereleases only match a constraint that names one (Masterminds issue 21). */
const preBlocked = (v: SemverVersion, c: Constraint): boolean => v.pre !== "" && c.con.pre === "";

function checkOne(v: SemverVersion, c: Constraint): boolean {
  switch (c.op) {
    case "":
    case "=":
      return tildeOrEqual(v, c);
    case "!=":
      return notEqual(v, c);
    case ">":
      return greaterThan(v, c);
    case "<":
      return !preBlocked(v, c) && v.compare(c.con) < 0;
    case ">=":
    case "=>":
      return !preBlocked(v, c) && v.compare(c.con) >= 0;
    case "<=":
    case "=<":
      return lessThanEqual(v, c);
    case "~":
    case "~>":
      return tilde(v, c);
    case "^":
      return caret(v, c);
  }
}

function notEqual(v: SemverVersion, c: Constraint): boolean {
  if (c.dirty) {
    if (preBlocked(v, c)) return false;
    if (c.con.major !== v.major) return true;
    if (c.con.minor !== v.minor && !c.minorDirty) return true;
    else if (c.minorDirty) return false;
    else if (c.con.patch !== v.patch && !c.patchDirty) return true;
    else if (c.patchDirty) {
      if (v.pre !== "" || c.con.pre !== "") return comparePrerelease(v.pre, c.con.pre) !== 0;
      return false;
    }
  }
  return v.compare(c.con) !== 0;
}

function greaterThan(v: SemverVersion, c: Constraint): boolean {
  if (preBlocked(v, c)) return false;
  if (!c.dirty) return v.compare(c.con) === 1;
  if (v.major > c.con.major) return true;
  if (v.major < c.con.major) return false;
  if (c.minorDirty) return false;
  if (c.patchDirty) return v.minor > c.con.minor;
  return v.compare(c.con) === 1;
}

function lessThanEqual(v: SemverVersion, c: Constraint): boolean {
  if (preBlocked(v, c)) return false;
  if (!c.dirty) return v.compare(c.con) <= 0;
  if (v.major > c.con.major) return false;
  if (v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty) return false;
  return true;
}

function tilde(v: SemverVersion, c: Constraint): boolean {
  if (preBlocked(v, c)) return false;
  if (v.compare(c.con) < 0) return false;
  if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  if (v.minor !== c.con.minor && !c.minorDirty) return false;
  return true;
}

function tildeOrEqual(v: SemverVersion, c: Constraint): boolean {
  if (preBlocked(v, c)) return false;
  if (c.dirty) return tilde(v, c);
  return v.compare(c.con) === 0;
}

function caret(v: SemverVersion, c: Constraint): boolean {
  if (preBlocked(v, c)) return false;
  if (v.compare(c.con) < 0) return false;
  if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
  if (c.con.major === 0n && v.major > 0n) return false;
  if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
  if (c.con.minor === 0n && v.minor > 0n) return false;
  return c.con.patch === v.patch;
}

/** Sprig's `semverCompare constraint version`. */
export function semverCompare(constraint: string, version: string): boolean {
  const c = new SemverConstraints(constraint);
  return c.check(parseSemver(version));
}

export const SEMVER_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["semver", goFunc(["string"], parseSemver)],
  ["semverCompare", goFunc(["string", "string"], semverCompare)],
];
