import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { FlotillaError, errorMessage } from "../core/index.js";
import type { CliContext } from "./context.js";
import { readStream } from "./sealed-io.js";

/** Stable codes of `flotilla health` input failures (the only ones that make it exit non-zero). */
export const HEALTH_INPUT_ERRORS = {
  unreadable: "HEALTH_INPUT_UNREADABLE",
  invalid: "HEALTH_INPUT_INVALID",
} as const;

/** One document (or List item) of an input file, with where it came from. */
export interface InputDocument {
  readonly value: unknown;
  readonly file: string;
  /** 1-based line where the document's content starts. */
  readonly line: number;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** `kind: List` and typed lists (`ConfigMapList`…) as kubectl expands them: one row per item. */
function expand(value: unknown): unknown[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [value];
  const { kind, items } = value as { kind?: unknown; items?: unknown };
  if (typeof kind === "string" && kind.endsWith("List") && Array.isArray(items)) return items;
  return [value];
}

/**
 * Parses multi-document YAML or JSON. A syntax error is HEALTH_INPUT_INVALID naming file and line;
 * any parsed document is kept, even one that is not an object (it is rated, not rejected).
 * Aliases are capped so a "billion laughs" file cannot blow up memory.
 */
export function parseHealthInput(text: string, file: string): InputDocument[] {
  const out: InputDocument[] = [];
  // Duplicate keys are accepted (the last wins), as kubectl and sigs.k8s.io/yaml accept them.
  for (const doc of parseAllDocuments(text, { prettyErrors: true, uniqueKeys: false })) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const line = error.linePos?.[0].line;
      const message = (error.message.split("\n")[0] ?? error.message).replace(/:$/u, "");
      throw new FlotillaError(HEALTH_INPUT_ERRORS.invalid, message, { file, field: line === undefined ? undefined : `line ${String(line)}` });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      throw new FlotillaError(HEALTH_INPUT_ERRORS.invalid, errorMessage(err).split("\n")[0] ?? "invalid YAML", { file });
    }
    if (value === null || value === undefined) continue;
    const line = lineOf(text, doc.contents?.range[0] ?? doc.range[0]);
    for (const item of expand(value)) out.push({ value: item, file, line });
  }
  return out;
}

/** Reads every FILE (`-` is stdin) before anything is rated, so a bad file stops the command before any output. */
export async function readHealthInputs(ctx: CliContext, files: readonly string[]): Promise<InputDocument[]> {
  const docs: InputDocument[] = [];
  for (const file of files) {
    let text: string;
    if (file === "-") text = await readStream(ctx.stdin);
    else {
      try {
        text = await readFile(isAbsolute(file) ? file : resolve(ctx.cwd, file), "utf8");
      } catch (err) {
        throw new FlotillaError(HEALTH_INPUT_ERRORS.unreadable, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, { file });
      }
    }
    docs.push(...parseHealthInput(text, file === "-" ? "<stdin>" : file));
  }
  return docs;
}
