import { parseDocument } from "yaml";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";
import type { SopsFormat } from "./sops-store.js";
import { emitJson } from "./store-json.js";
import { plainToTree } from "./sops-tree.js";

// `sops set` and `sops unset` on a decrypted file's text (pure): the tree path is sops' index
// syntax (`["data"]["password"]`, parsed by parseExtractPath), the value is already parsed JSON.
// YAML keeps its comments and order; JSON keeps its order; dotenv takes a single key.

type Path = readonly (string | number)[];

function describe(path: Path): string {
  return path.map((p) => `[${JSON.stringify(p)}]`).join("");
}

function notFound(path: Path): SopsError {
  return new SopsError(SOPS_ERROR.extractNotFound, `component ${describe(path)} not found`, { field: describe(path) });
}

function unsupported(format: SopsFormat, what: string): SopsError {
  return new SopsError(SOPS_ERROR.unsupportedValue, `${what} is not supported for ${format} files (yaml, json and dotenv are)`);
}

function jsonSet(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (typeof head === "number") {
    if (!Array.isArray(root) || head > root.length) throw notFound(path);
    const copy = [...(root as unknown[])];
    copy[head] = jsonSet(copy[head], rest, value);
    return copy;
  }
  const obj = typeof root === "object" && root !== null && !Array.isArray(root) ? (root as Record<string, unknown>) : {};
  return { ...obj, [head]: jsonSet(obj[head], rest, value) };
}

function jsonGet(root: unknown, path: Path): { found: boolean; value?: unknown } {
  let cur = root;
  for (const p of path) {
    if (typeof p === "number" && Array.isArray(cur) && p < cur.length) cur = cur[p];
    else if (typeof p === "string" && typeof cur === "object" && cur !== null && !Array.isArray(cur) && Object.hasOwn(cur, p)) cur = (cur as Record<string, unknown>)[p];
    else return { found: false };
  }
  return { found: true, value: cur };
}

function jsonUnset(root: unknown, path: Path): unknown {
  const [head, ...rest] = path;
  if (rest.length === 0) {
    if (typeof head === "number" && Array.isArray(root)) return root.filter((_, i) => i !== head);
    const { [head as string]: _gone, ...kept } = root as Record<string, unknown>;
    return kept;
  }
  if (typeof head === "number") return (root as unknown[]).map((v, i) => (i === head ? jsonUnset(v, rest) : v));
  return { ...(root as Record<string, unknown>), [head]: jsonUnset((root as Record<string, unknown>)[head], rest) };
}

/** The value at `path`, if any: lets `set --idempotent` see that nothing would change. */
export function plainValueAt(text: string, format: SopsFormat, path: Path): { found: boolean; value?: unknown } {
  if (format === "yaml") return jsonGet(parseDocument(text).toJS(), path);
  if (format === "json") return jsonGet(JSON.parse(text), path);
  if (format === "dotenv") {
    const line = dotenvLines(text).find((l) => l.key === path[0]);
    return line === undefined || path.length !== 1 ? { found: false } : { found: true, value: line.value };
  }
  throw unsupported(format, "reading a value");
}

interface DotenvLine {
  readonly raw: string;
  readonly key?: string;
  readonly value?: string;
}

function dotenvLines(text: string): DotenvLine[] {
  return text
    .split("\n")
    .filter((raw, i, all) => !(raw === "" && i === all.length - 1))
    .map((raw) => {
      const at = raw.indexOf("=");
      if (raw.startsWith("#") || at <= 0) return { raw };
      return { raw, key: raw.slice(0, at), value: raw.slice(at + 1).replaceAll("\\n", "\n") };
    });
}

function dotenvKey(path: Path, format: SopsFormat): string {
  if (path.length !== 1 || typeof path[0] !== "string") throw unsupported(format, "a nested path");
  return path[0];
}

/** sops set: `path` gets `value`, creating the mappings on the way. */
export function setPlainValue(text: string, format: SopsFormat, path: Path, value: unknown): string {
  if (format === "yaml") {
    const doc = parseDocument(text);
    try {
      doc.setIn(path, doc.createNode(value));
    } catch {
      // yaml refuses a string key inside a list, or an index past a scalar.
      throw notFound(path);
    }
    return doc.toString({ indent: 4, lineWidth: 0 });
  }
  if (format === "json") return `${emitJson(plainToTree(jsonSet(JSON.parse(text), path, value)))}\n`;
  if (format === "dotenv") {
    const key = dotenvKey(path, format);
    if (typeof value === "object" && value !== null) throw unsupported(format, "a nested value");
    const line = `${key}=${String(value).replaceAll("\n", "\\n")}`;
    const lines = dotenvLines(text);
    const at = lines.findIndex((l) => l.key === key);
    const raws = lines.map((l) => l.raw);
    if (at >= 0) raws[at] = line;
    else raws.push(line);
    return `${raws.join("\n")}\n`;
  }
  throw unsupported(format, "set");
}

/** sops unset: removes `path`; a path that is not there is SOPS_EXTRACT_NOT_FOUND. */
export function unsetPlainValue(text: string, format: SopsFormat, path: Path): string {
  if (!plainValueAt(text, format, path).found) throw notFound(path);
  if (format === "yaml") {
    const doc = parseDocument(text);
    doc.deleteIn(path);
    return doc.toString({ indent: 4, lineWidth: 0 });
  }
  if (format === "json") return `${emitJson(plainToTree(jsonUnset(JSON.parse(text), path)))}\n`;
  const key = dotenvKey(path, format);
  return `${dotenvLines(text)
    .filter((l) => l.key !== key)
    .map((l) => l.raw)
    .join("\n")}\n`;
}
