import {
  Document,
  Pair,
  Scalar,
  YAMLMap,
  YAMLSeq,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  visit,
  type Node as YamlNode,
} from "yaml";
import { formatFloatG, resolveYamlV3Plain, type GoScalar } from "./go-values.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";
import type { CommentsStack, TreeCipher } from "./tree-cipher.js";
import type { SopsStore } from "./sops-store.js";

const STR_TAGS = new Set(["tag:yaml.org,2002:str", "tag:yaml.org,2002:binary", "!!str", "!!binary"]);

/** The Go value yaml.v3 gives a scalar node (undefined: not representable in sops' model). */
function goValueOf(node: Scalar): GoScalar | null | undefined {
  const text = String(node.value);
  const tag = node.tag;
  if (tag !== undefined && STR_TAGS.has(tag)) return text;
  if (node.type !== undefined && node.type !== "PLAIN" && tag === undefined) return text;
  if (node.type !== undefined && node.type !== "PLAIN" && tag !== undefined) return resolveYamlV3Plain(text);
  return resolveYamlV3Plain(text);
}

/** Writes a Go value into a scalar node the way yaml.v3 would print it, under the failsafe schema. */
function setScalar(node: Scalar, v: GoScalar): void {
  node.tag = undefined;
  if (typeof v === "string") {
    node.value = v;
    node.type = resolveYamlV3Plain(v) === v && !/^\d{4}-/.test(v) ? undefined : "QUOTE_DOUBLE";
    return;
  }
  node.type = "PLAIN";
  if (typeof v === "bigint") node.value = v.toString();
  else if (typeof v === "boolean") node.value = v ? "true" : "false";
  else if (Number.isNaN(v)) node.value = ".nan";
  else if (v === Infinity) node.value = ".inf";
  else if (v === -Infinity) node.value = "-.inf";
  else node.value = formatFloatG(v);
}

function lines(comment: string | null | undefined): string[] {
  return comment === undefined || comment === null || comment === "" ? [] : comment.split("\n");
}

/** One YAML document's data, walked in place so key order, comments and layout survive. */
class YamlWalk {
  readonly #cipher: TreeCipher;
  readonly #src: string;
  readonly #allPaths: string[][] = [];

  constructor(cipher: TreeCipher, src: string) {
    this.#cipher = cipher;
    this.#src = src;
  }

  #comments(text: string | null | undefined, path: readonly string[], stack: CommentsStack, active: string[]): string | undefined {
    if (text === undefined || text === null) return undefined;
    const out = lines(text).map((line) => {
      if (line === "") return line;
      active.push(line);
      return this.#cipher.comment(line, this.#candidates(path), stack);
    });
    return out.join("\n");
  }

  #candidates(path: readonly string[]): string[][] {
    const out: string[][] = [[...path]];
    for (let i = path.length - 1; i >= 0; i--) out.push(path.slice(0, i));
    return [...out, ...this.#allPaths];
  }

  collectPaths(node: unknown, path: string[]): void {
    if (isMap(node)) {
      this.#allPaths.push(path);
      for (const pair of node.items) {
        if (isScalar(pair.key)) this.collectPaths(pair.value, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      this.#allPaths.push(path);
      for (const item of node.items) this.collectPaths(item, path);
    }
  }

  /** True when the text right after a key (on the same line) holds a comment: yaml.v3 keeps that on the key. */
  #keyHasLineComment(key: Scalar): boolean {
    const end = key.range?.[2];
    if (end === undefined) return false;
    const rest = this.#src.slice(end, this.#src.indexOf("\n", end) === -1 ? undefined : this.#src.indexOf("\n", end));
    return rest.includes("#");
  }

  map(map: YAMLMap, path: readonly string[], stack: CommentsStack): void {
    const level: string[] = [];
    const inner = [...stack, level];
    for (const pair of map.items) {
      const key = pair.key;
      if (!isScalar(key)) {
        throw new SopsError(SOPS_ERROR.unsupportedValue, "only string keys are supported (found a complex key)", {
          field: path.join(".") || undefined,
        });
      }
      const keyValue = goValueOf(key);
      if (typeof keyValue !== "string") {
        throw new SopsError(SOPS_ERROR.unsupportedValue, "only string keys are supported (found a non-string key)", {
          field: path.join(".") || undefined,
        });
      }
      const setBefore = this.#comments(key.commentBefore, path, inner, level);
      if (setBefore !== undefined) key.commentBefore = setBefore;
      const keyLine = this.#comments(key.comment, path, inner, level);
      if (keyLine !== undefined) key.comment = keyLine;
      const childPath = [...path, keyValue];
      const value = pair.value;
      if (isScalar(value) || value === null) {
        if (value !== null) {
          const before = this.#comments(value.commentBefore, path, inner, level);
          if (before !== undefined) value.commentBefore = before;
          const inline = this.#comments(value.comment, path, inner, level);
          if (inline !== undefined) value.comment = inline;
          this.#scalar(value, childPath, inner);
        }
      } else if (isCollection(value)) {
        this.#collection(value, key, path, childPath, inner, level);
      }
      level.length = 0;
    }
    const foot = this.#comments(map.comment, path, inner, level);
    if (foot !== undefined) map.comment = foot;
  }

  #collection(value: YAMLMap | YAMLSeq, key: Scalar | null, path: readonly string[], childPath: string[], stack: CommentsStack, level: string[]): void {
    const before = lines(value.commentBefore);
    if (before.length > 0) {
      // `key: # note` is the key's line comment in yaml.v3 (parent path); the rest head the child.
      const firstIsKeyLine = key !== null && this.#keyHasLineComment(key);
      const out: string[] = [];
      before.forEach((line, i) => {
        if (line === "") return void out.push(line);
        const p = i === 0 && firstIsKeyLine ? path : childPath;
        level.push(line);
        out.push(this.#cipher.comment(line, this.#candidates(p), stack));
      });
      value.commentBefore = out.join("\n");
    }
    if (isMap(value)) this.map(value, childPath, stack);
    else this.seq(value, childPath, stack);
  }

  seq(seq: YAMLSeq, path: readonly string[], stack: CommentsStack): void {
    const level: string[] = [];
    const inner = [...stack, level];
    seq.items.forEach((item) => {
      if (isScalar(item)) {
        const before = this.#comments(item.commentBefore, path, inner, level);
        if (before !== undefined) item.commentBefore = before;
        const inline = this.#comments(item.comment, path, inner, level);
        if (inline !== undefined) item.comment = inline;
        this.#scalar(item, path, inner);
      } else if (isCollection(item)) {
        const before = this.#comments(item.commentBefore, path, inner, level);
        if (before !== undefined) item.commentBefore = before;
        if (isMap(item)) this.map(item, path, inner);
        else this.seq(item, path, inner);
      }
      level.length = 0;
    });
    const foot = this.#comments(seq.comment, path, inner, level);
    if (foot !== undefined) seq.comment = foot;
  }

  docComments(doc: Document): void {
    const level: string[] = [];
    const stack = [level];
    const before = this.#comments(doc.commentBefore, [], stack, level);
    if (before !== undefined) doc.commentBefore = before;
    const root = doc.contents;
    if (isCollection(root)) {
      const rb = this.#comments(root.commentBefore, [], stack, level);
      if (rb !== undefined) root.commentBefore = rb;
    }
    const after = this.#comments(doc.comment, [], stack, level);
    if (after !== undefined) doc.comment = after;
  }

  #scalar(node: Scalar, path: readonly string[], stack: CommentsStack): void {
    const v = goValueOf(node);
    if (v === null) return;
    if (v === undefined) {
      throw new SopsError(SOPS_ERROR.unsupportedValue, "integer out of the int64 range", { field: path.join(".") || undefined });
    }
    const out = this.#cipher.value(v, path, stack);
    if (out !== v || typeof out !== "string") setScalar(node, out);
  }
}

/** Nodes that alias expansion may copy into one document (far above any real SOPS file). */
export const MAX_ALIAS_EXPANSION = 20_000;

/** Nodes under `node` (itself included), counting stops once past `limit`. */
function nodeCount(node: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [node];
  while (stack.length > 0 && count <= limit) {
    const current = stack.pop();
    count++;
    if (isMap(current)) for (const pair of current.items) stack.push(pair.key, pair.value);
    else if (isSeq(current)) stack.push(...current.items);
  }
  return count;
}

function plainOf(node: unknown): unknown {
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) out[String(isScalar(pair.key) ? pair.key.value : pair.key)] = plainOf(pair.value);
    return out;
  }
  if (isSeq(node)) return node.items.map(plainOf);
  if (isScalar(node)) {
    const v = goValueOf(node);
    if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    return v ?? null;
  }
  return null;
}

function yamlNode(v: unknown): YamlNode {
  if (Array.isArray(v)) {
    const seq = new YAMLSeq();
    for (const x of v) seq.items.push(yamlNode(x));
    return seq;
  }
  if (typeof v === "object" && v !== null) {
    const map = new YAMLMap();
    for (const [k, x] of Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      map.items.push(new Pair(new Scalar(k), yamlNode(x)));
    }
    return map;
  }
  const s = new Scalar("");
  setScalar(s, typeof v === "number" ? (Number.isInteger(v) ? BigInt(v) : v) : (v as GoScalar));
  return s;
}

function detectIndent(text: string, fallback: number): number {
  const m = /^[^\s#][^\n]*:[ \t]*\n( +)[^ \n-]/m.exec(text);
  const n = m?.[1]?.length ?? fallback;
  return n >= 2 && n <= 8 ? n : fallback;
}

/** The YAML store: all documents of a stream, edited in place with the `yaml` Document API. */
export class YamlStore implements SopsStore {
  readonly format = "yaml" as const;
  readonly #docs: Document[];
  readonly #src: string;
  readonly #indent: number;
  readonly #indentSeq: boolean;

  constructor(text: string) {
    this.#src = text;
    // `key:\n- item` (sequence at the key's column) is kept; otherwise sequences are indented.
    this.#indentSeq = !/^( *)[^\s#-][^\n]*:[ \t]*\n\1- /m.test(text);
    // sops writes 4 spaces; a file that shows its own indentation keeps it.
    this.#indent = detectIndent(text, this.#indentSeq ? 4 : 2);
    const docs = parseAllDocuments(text, { schema: "failsafe", uniqueKeys: true, prettyErrors: false });
    if (!Array.isArray(docs)) {
      this.#docs = [];
      return;
    }
    for (const doc of docs) {
      const err = doc.errors[0];
      if (err !== undefined) {
        const line = err.linePos?.[0].line;
        throw new SopsError(SOPS_ERROR.invalidFormat, `YAML does not parse (${err.code}${line === undefined ? "" : ` at line ${line}`})`);
      }
      if (doc.contents !== null && !isMap(doc.contents) && !(isScalar(doc.contents) && doc.contents.value === "")) {
        throw new SopsError(SOPS_ERROR.invalidFormat, "YAML documents must be mappings (sequences and scalars are not supported)");
      }
      // sops works on the decoded tree: aliases become copies and anchors disappear. Copies of
      // copies grow exponentially ("billion laughs"), so the copied nodes are counted and capped.
      let copied = 0;
      visit(doc, {
        Alias(_, alias) {
          const target = alias.resolve(doc);
          if (target === undefined) return undefined;
          copied += nodeCount(target, MAX_ALIAS_EXPANSION - copied);
          if (copied > MAX_ALIAS_EXPANSION) {
            throw new SopsError(SOPS_ERROR.invalidFormat, `YAML aliases expand to more than ${String(MAX_ALIAS_EXPANSION)} nodes`);
          }
          return target.clone() as YamlNode;
        },
      });
      visit(doc, {
        Node(_, node) {
          if (!isAlias(node)) node.anchor = undefined;
        },
      });
    }
    this.#docs = docs;
  }

  metadata(): unknown {
    const first = this.#docs[0]?.contents;
    if (!isMap(first)) return undefined;
    const pair = first.items.find((p) => isScalar(p.key) && p.key.value === "sops");
    return pair === undefined ? undefined : (pair.value as YamlNode | null)?.toJSON();
  }

  removeMetadata(): void {
    for (const doc of this.#docs) {
      if (isMap(doc.contents)) doc.contents.items = doc.contents.items.filter((p) => !(isScalar(p.key) && p.key.value === "sops"));
    }
  }

  setMetadata(md: Record<string, unknown>): void {
    if (this.#docs.length === 0) this.#docs.push(new Document(new YAMLMap(), { schema: "failsafe" }));
    for (const doc of this.#docs) {
      if (!isMap(doc.contents)) doc.contents = new YAMLMap();
      (doc.contents).items.push(new Pair(new Scalar("sops"), yamlNode(md)));
    }
  }

  walk(cipher: TreeCipher): void {
    for (const doc of this.#docs) {
      const w = new YamlWalk(cipher, this.#src);
      w.collectPaths(doc.contents, []);
      w.docComments(doc);
      if (isMap(doc.contents)) w.map(doc.contents, [], []);
    }
  }

  emit(): string {
    return this.#docs
      .map((doc, i) => {
        const text = doc.toString({ indent: this.#indent, indentSeq: this.#indentSeq, lineWidth: 0 });
        return i === 0 || text.startsWith("---") ? text : `---\n${text}`;
      })
      .join("");
  }

  documents(): unknown[] {
    return this.#docs.map((d) => plainOf(d.contents) ?? {});
  }
}
