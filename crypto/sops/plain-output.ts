import { stringify as yamlStringify } from "yaml";
import { valToString } from "./go-values.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";
import type { SopsFormat } from "./sops-store.js";
import { emitJson } from "./store-json.js";
import { plainToTree } from "./sops-tree.js";

/** Prints decrypted plain data in another format (`--output-type`). */
export function emitPlainAs(format: SopsFormat, data: unknown): string {
  switch (format) {
    case "json":
      return `${emitJson(plainToTree(data))}\n`;
    case "yaml":
      return yamlStringify(data, { indent: 4, lineWidth: 0 });
    case "binary":
      if (typeof data !== "string") throw new SopsError(SOPS_ERROR.unsupportedValue, "only a string can be written as binary");
      return data;
    case "dotenv":
    case "ini": {
      if (typeof data !== "object" || data === null || Array.isArray(data)) {
        throw new SopsError(SOPS_ERROR.unsupportedValue, `${format} output needs a mapping`);
      }
      const entries = Object.entries(data as Record<string, unknown>);
      const line = (k: string, v: unknown): string => {
        if (typeof v === "object" && v !== null) throw new SopsError(SOPS_ERROR.unsupportedValue, `cannot write a nested value as ${format}`, { field: k });
        const s = typeof v === "string" ? v : typeof v === "number" ? valToString(Number.isInteger(v) ? BigInt(v) : v) : String(v);
        return format === "dotenv" ? `${k}=${s.replaceAll("\n", "\\n")}` : `${k} = ${s}`;
      };
      if (format === "dotenv") return entries.map(([k, v]) => `${line(k, v)}\n`).join("");
      return entries
        .filter(([, v]) => typeof v === "object" && v !== null && Object.keys(v).length > 0)
        .map(([section, v]) => `[${section}]\n${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${line(k, x)}\n`).join("")}`)
        .join("\n");
    }
  }
}

/** Parses sops' `--extract` syntax: `["a"]["b"][0]`. */
export function parseExtractPath(spec: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\[(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\d+))\]/gy;
  let pos = 0;
  for (let m = re.exec(spec); m !== null; m = re.exec(spec)) {
    out.push(m[3] !== undefined ? Number(m[3]) : (m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1"));
    pos = re.lastIndex;
  }
  if (pos !== spec.length || out.length === 0) {
    throw new SopsError(SOPS_ERROR.extractNotFound, 'invalid --extract path (use the form ["key"]["sub"][0])', { field: "--extract" });
  }
  return out;
}

export function extractValue(data: unknown, path: readonly (string | number)[]): unknown {
  let cur = data;
  for (const p of path) {
    if (typeof p === "number" && Array.isArray(cur) && p < cur.length) cur = cur[p];
    else if (typeof p === "string" && typeof cur === "object" && cur !== null && !Array.isArray(cur) && Object.hasOwn(cur, p)) {
      cur = (cur as Record<string, unknown>)[p];
    } else {
      throw new SopsError(SOPS_ERROR.extractNotFound, `--extract: component ${JSON.stringify(p)} not found`, { field: "--extract" });
    }
  }
  return cur;
}
