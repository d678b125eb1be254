import { valToString } from "./go-values.js";
import { flattenMetadata, unflattenMetadata } from "./flatten.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";
import type { SopsStore } from "./sops-store.js";
import { SopsComment, TreeBranch, treeToPlain, walkBranch, type TreeValue } from "./sops-tree.js";
import type { TreeCipher } from "./tree-cipher.js";

function scalarText(v: TreeValue, key: string): string {
  if (v instanceof TreeBranch || Array.isArray(v)) {
    throw new SopsError(SOPS_ERROR.unsupportedValue, "cannot use a nested value in this format", { field: key });
  }
  if (v === null || v instanceof SopsComment) return "";
  return valToString(v);
}

/** The dotenv store: `KEY=value` lines, `#` comments, metadata flattened into `sops_…` keys. */
export class DotenvStore implements SopsStore {
  readonly format = "dotenv" as const;
  readonly #branch: TreeBranch;

  constructor(text: string) {
    const items: TreeBranch["items"] = [];
    text.split("\n").forEach((line, i) => {
      if (line === "") return;
      if (line.startsWith("#")) {
        items.push({ key: new SopsComment(line.slice(1)), value: null });
        return;
      }
      const pos = line.indexOf("=");
      if (pos === -1) throw new SopsError(SOPS_ERROR.invalidFormat, `invalid dotenv line ${i + 1} (no "=")`);
      items.push({ key: line.slice(0, pos), value: line.slice(pos + 1).replaceAll("\\n", "\n") });
    });
    this.#branch = new TreeBranch(items);
  }

  metadata(): unknown {
    const entries = this.#branch.items.flatMap((i): [string, string][] =>
      typeof i.key === "string" && i.key.startsWith("sops_") ? [[i.key.slice(5), scalarText(i.value, i.key)]] : [],
    );
    return entries.length === 0 ? undefined : unflattenMetadata(entries);
  }

  removeMetadata(): void {
    const keep = this.#branch.items.filter((i) => !(typeof i.key === "string" && i.key.startsWith("sops_")));
    this.#branch.items.splice(0, this.#branch.items.length, ...keep);
  }

  setMetadata(md: Record<string, unknown>): void {
    if (this.#branch.items.some((i) => typeof i.key === "string" && i.key.startsWith("sops_"))) {
      throw new SopsError(SOPS_ERROR.invalidRequest, 'the data has keys starting with "sops_", which is reserved for metadata');
    }
    for (const [key, value] of flattenMetadata(md, "sops_")) this.#branch.items.push({ key, value });
  }

  walk(cipher: TreeCipher): void {
    walkBranch(this.#branch, [], [], cipher);
  }

  emit(): string {
    return this.#branch.items
      .map((i) => {
        if (i.key instanceof SopsComment) return `#${i.key.value}\n`;
        const v = typeof i.value === "string" ? i.value.replaceAll("\n", "\\n") : scalarText(i.value, i.key);
        return `${i.key}=${v}\n`;
      })
      .join("");
  }

  documents(): unknown[] {
    return [treeToPlain(this.#branch)];
  }
}

/** go-ini's value reading: quotes, triple-quoted multi-line values, inline comments. */
function readIniValue(raw: string, next: () => string | undefined): string {
  let v = raw.trim();
  if (v.startsWith('"""')) {
    let body = v.slice(3);
    const closeAt = body.indexOf('"""');
    if (closeAt !== -1) return body.slice(0, closeAt);
    for (let line = next(); line !== undefined; line = next()) {
      const close = line.indexOf('"""');
      if (close !== -1) return `${body}\n${line.slice(0, close)}`;
      body += `\n${line}`;
    }
    throw new SopsError(SOPS_ERROR.invalidFormat, "INI: unterminated triple-quoted value");
  }
  for (const q of ["`", '"', "'"]) {
    if (v.length >= 2 && v.startsWith(q) && v.lastIndexOf(q) > 0) {
      const end = v.lastIndexOf(q);
      if (q !== '"' || !v.slice(1, end).includes('"')) return v.slice(1, end);
    }
  }
  const cut = v.search(/[#;]/);
  if (cut !== -1) v = v.slice(0, cut).trim();
  return v;
}

function stripCommentChar(c: string): string {
  if (c.startsWith(";")) return c.replace(/^[; ]+/, "");
  if (c.startsWith("#")) return c.replace(/^[# ]+/, "");
  return c;
}

function iniValueOut(v: string): string {
  if (v.includes("\n") || v.includes("`")) return `"""${v}"""`;
  if (/[#;]/.test(v)) return `\`${v}\``;
  if (v.trim().length !== v.length) return `"${v}"`;
  return v;
}

function iniCommentOut(c: string): string {
  return c.startsWith("#") || c.startsWith(";") ? c : `; ${c.replaceAll("\n", "\n; ")}`;
}

/** The INI store (go-ini semantics): one branch per section, metadata flattened under `[sops]`. */
export class IniStore implements SopsStore {
  readonly format = "ini" as const;
  readonly #branch: TreeBranch;

  constructor(text: string) {
    const sections: TreeBranch["items"] = [{ key: "DEFAULT", value: new TreeBranch() }];
    let current = sections[0]?.value as TreeBranch;
    let comment: string[] = [];
    const lines = text.split(/\r?\n/);
    let i = 0;
    const next = (): string | undefined => lines[i++];
    for (let raw = next(); raw !== undefined; raw = next()) {
      const line = raw.trim();
      if (line === "") continue;
      if (line.startsWith(";") || line.startsWith("#")) {
        comment.push(line);
        continue;
      }
      if (line.startsWith("[")) {
        const close = line.indexOf("]");
        if (close === -1) throw new SopsError(SOPS_ERROR.invalidFormat, `INI: unclosed section header at line ${i}`);
        current = new TreeBranch();
        if (comment.length > 0) current.items.push({ key: new SopsComment(stripCommentChar(comment.join("\n"))), value: null });
        comment = [];
        sections.push({ key: line.slice(1, close).trim(), value: current });
        continue;
      }
      const pos = line.search(/[=:]/);
      if (pos === -1) throw new SopsError(SOPS_ERROR.invalidFormat, `INI: line ${i} is neither a section, a key nor a comment`);
      let key = line.slice(0, pos).trim();
      if (key.length >= 2 && (key[0] === "`" || key[0] === '"') && key.endsWith(key[0])) key = key.slice(1, -1);
      current.items.push({ key, value: readIniValue(line.slice(pos + 1), next) });
      if (comment.length > 0) current.items.push({ key: new SopsComment(stripCommentChar(comment.join("\n"))), value: null });
      comment = [];
    }
    this.#branch = new TreeBranch(sections);
  }

  metadata(): unknown {
    const md = this.#branch.get("sops");
    if (!(md instanceof TreeBranch)) return undefined;
    const entries = md.items.flatMap((i): [string, string][] =>
      typeof i.key === "string" ? [[i.key, scalarText(i.value, i.key).replaceAll("\\n", "\n")]] : [],
    );
    return unflattenMetadata(entries);
  }

  removeMetadata(): void {
    const keep = this.#branch.items.filter((i) => i.key !== "sops");
    this.#branch.items.splice(0, this.#branch.items.length, ...keep);
  }

  setMetadata(md: Record<string, unknown>): void {
    const entries = flattenMetadata(md, "").map(([key, value]) => ({ key, value: value.replaceAll("\n", "\\n") }));
    this.#branch.items.push({ key: "sops", value: new TreeBranch(entries) });
  }

  walk(cipher: TreeCipher): void {
    walkBranch(this.#branch, [], [], cipher);
  }

  emit(): string {
    const out: string[] = [];
    for (const section of this.#branch.items) {
      if (section.key instanceof SopsComment) continue;
      const body = section.value;
      if (!(body instanceof TreeBranch)) {
        throw new SopsError(SOPS_ERROR.unsupportedValue, "INI values must be inside a section", { field: section.key });
      }
      if (section.key === "DEFAULT" && body.items.length === 0) continue;
      const lines: string[] = [];
      let items = body.items;
      const first = items[0];
      if (first !== undefined && first.key instanceof SopsComment) {
        lines.push(iniCommentOut(first.key.value));
        items = items.slice(1);
      }
      if (section.key !== "DEFAULT") lines.push(`[${section.key}]`);
      const keys = items.filter((i) => typeof i.key === "string").map((i) => i.key as string);
      const width = Math.max(0, ...keys.map((k) => k.length));
      // go-ini writes a key's comment above it; sops stores it after the key.
      const pending: { key: string; value: string; comment?: string }[] = [];
      for (const item of items) {
        if (item.key instanceof SopsComment) {
          const last = pending[pending.length - 1];
          if (last !== undefined) last.comment = item.key.value;
        } else pending.push({ key: item.key, value: scalarText(item.value, `${section.key}.${item.key}`) });
      }
      for (const p of pending) {
        if (p.comment !== undefined) lines.push(iniCommentOut(p.comment));
        lines.push(`${p.key}${" ".repeat(width - p.key.length)} = ${iniValueOut(p.value)}`);
      }
      out.push(`${lines.join("\n")}\n`);
    }
    return out.join("\n");
  }

  documents(): unknown[] {
    return [treeToPlain(this.#branch)];
  }
}
