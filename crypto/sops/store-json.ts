import { formatFloatF, isInt64 } from "./go-values.js";
import { treeToMetadataPlain, plainToSortedTree } from "./sops-metadata.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";
import type { SopsStore } from "./sops-store.js";
import { MAX_TREE_DEPTH, SopsComment, TreeBranch, treeToPlain, walkBranch, type TreeValue } from "./sops-tree.js";
import type { TreeCipher } from "./tree-cipher.js";

/**
 * A small exact JSON reader: keeps key order (including integer-like keys), tells ints from
 * floats the way Go's json.Number does, and rejects duplicate-free-but-invalid input.
 */
class JsonReader {
  readonly #s: string;
  #i = 0;
  #depth = 0;

  constructor(s: string) {
    this.#s = s;
  }

  fail(): never {
    const line = this.#s.slice(0, this.#i).split("\n").length;
    throw new SopsError(SOPS_ERROR.invalidFormat, `JSON does not parse (at line ${line})`);
  }

  ws(): void {
    while (this.#i < this.#s.length && " \t\r\n".includes(this.#s[this.#i] ?? "")) this.#i++;
  }

  top(): TreeBranch {
    this.ws();
    if (this.#s[this.#i] !== "{") {
      throw new SopsError(SOPS_ERROR.invalidFormat, "sops only supports JSON files with a top-level object");
    }
    const v = this.value();
    this.ws();
    if (this.#i !== this.#s.length) this.fail();
    return v as TreeBranch;
  }

  value(): TreeValue {
    this.ws();
    const c = this.#s[this.#i];
    if (c === "{" || c === "[") {
      // Recursive descent: refuse absurd nesting with a code before it overflows the stack.
      if (this.#depth >= MAX_TREE_DEPTH) throw new SopsError(SOPS_ERROR.invalidFormat, `JSON nests deeper than ${String(MAX_TREE_DEPTH)} levels`);
      this.#depth++;
      try {
        return this.#collection(c);
      } finally {
        this.#depth--;
      }
    }
    return this.#scalarValue(c);
  }

  #collection(c: string): TreeValue {
    if (c === "{") {
      this.#i++;
      const items: TreeBranch["items"] = [];
      this.ws();
      if (this.#s[this.#i] === "}") {
        this.#i++;
        return new TreeBranch(items);
      }
      for (;;) {
        this.ws();
        if (this.#s[this.#i] !== '"') this.fail();
        const key = this.string();
        this.ws();
        if (this.#s[this.#i] !== ":") this.fail();
        this.#i++;
        items.push({ key, value: this.value() });
        this.ws();
        const d = this.#s[this.#i++];
        if (d === "}") return new TreeBranch(items);
        if (d !== ",") this.fail();
      }
    }
    if (c === "[") {
      this.#i++;
      const out: TreeValue[] = [];
      this.ws();
      if (this.#s[this.#i] === "]") {
        this.#i++;
        return out;
      }
      for (;;) {
        out.push(this.value());
        this.ws();
        const d = this.#s[this.#i++];
        if (d === "]") return out;
        if (d !== ",") this.fail();
      }
    }
    return this.fail();
  }

  #scalarValue(c: string | undefined): TreeValue {
    if (c === '"') return this.string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.#s.startsWith(word, this.#i)) {
        this.#i += word.length;
        return v;
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.#s.slice(this.#i, this.#i + 400));
    if (m === null) this.fail();
    this.#i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const n = BigInt(m[0]);
      if (isInt64(n)) return n;
    }
    return Number(m[0]);
  }

  string(): string {
    const start = this.#i;
    this.#i++;
    while (this.#i < this.#s.length) {
      const c = this.#s[this.#i];
      if (c === "\\") this.#i += 2;
      else if (c === '"') break;
      else this.#i++;
    }
    this.#i++;
    try {
      return JSON.parse(this.#s.slice(start, this.#i)) as string;
    } catch {
      return this.fail();
    }
  }
}

export function parseJsonTree(text: string): TreeBranch {
  return new JsonReader(text).top();
}

/** Go's json.Marshal for a string: HTML-sensitive characters escaped. */
function goJsonString(s: string): string {
  return JSON.stringify(s)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

function goJsonFloat(n: number, field: string): string {
  if (!Number.isFinite(n)) throw new SopsError(SOPS_ERROR.unsupportedValue, "JSON cannot hold NaN or infinity", { field });
  const abs = Math.abs(n);
  // Go switches to exponent form below 1e-6 and from 1e21, like JS, and prints "1e-7" as JS does.
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) return String(n);
  return formatFloatF(n);
}

/** sops' JSON emitter: compact encode then json.Indent with a tab. */
export function emitJson(v: TreeValue, indent = "\t", depth = 0, field = ""): string {
  const pad = indent.repeat(depth + 1);
  const end = indent.repeat(depth);
  if (v instanceof TreeBranch) {
    const items = v.items.filter((i) => !(i.key instanceof SopsComment));
    if (items.length === 0) return "{}";
    const body = items.map((i) => `${pad}${goJsonString(i.key as string)}: ${emitJson(i.value, indent, depth + 1, i.key as string)}`);
    return `{\n${body.join(",\n")}\n${end}}`;
  }
  if (Array.isArray(v)) {
    const items = v.filter((x) => !(x instanceof SopsComment));
    if (items.length === 0) return "[]";
    return `[\n${items.map((x) => pad + emitJson(x, indent, depth + 1, field)).join(",\n")}\n${end}]`;
  }
  if (v === null || v instanceof SopsComment) return "null";
  if (typeof v === "string") return goJsonString(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return goJsonFloat(v, field);
  return v ? "true" : "false";
}

/** Tree-backed stores share metadata handling for the nested (`sops` key) layout. */
export abstract class NestedTreeStore implements SopsStore {
  abstract readonly format: "json" | "binary";
  protected branch: TreeBranch;

  protected constructor(branch: TreeBranch) {
    this.branch = branch;
  }

  metadata(): unknown {
    const md = this.branch.get("sops");
    return md === undefined ? undefined : treeToMetadataPlain(md);
  }

  removeMetadata(): void {
    this.branch.items.splice(0, this.branch.items.length, ...this.branch.items.filter((i) => i.key !== "sops"));
  }

  setMetadata(md: Record<string, unknown>): void {
    if (this.branch.get("sops") !== undefined) {
      throw new SopsError(SOPS_ERROR.invalidRequest, 'the data has a top-level "sops" key, which is reserved for metadata');
    }
    this.branch.items.push({ key: "sops", value: plainToSortedTree(md) });
  }

  walk(cipher: TreeCipher): void {
    walkBranch(this.branch, [], [], cipher);
  }

  documents(): unknown[] {
    return [treeToPlain(this.branch)];
  }

  abstract emit(): string;
}

export class JsonStore extends NestedTreeStore {
  readonly format = "json" as const;

  constructor(text: string) {
    super(parseJsonTree(text));
  }

  emit(): string {
    return `${emitJson(this.branch)}\n`;
  }
}

/** The binary store: the whole file is the string value of `data` in a JSON envelope. */
export class BinaryStore extends NestedTreeStore {
  readonly format = "binary" as const;

  constructor(text: string, opts: { encrypted: boolean }) {
    super(opts.encrypted ? parseJsonTree(text) : new TreeBranch([{ key: "data", value: text }]));
  }

  emit(): string {
    if (this.branch.get("sops") !== undefined) return `${emitJson(this.branch)}\n`;
    const data = this.branch.get("data");
    if (typeof data !== "string") throw new SopsError(SOPS_ERROR.invalidFormat, "binary store: no string 'data' entry");
    return data;
  }

  override documents(): unknown[] {
    return [this.branch.get("data")];
  }
}
