import type { Clock } from "../../core/index.js";
import { BudgetExceededError, ExecBudget, isTemplateError, parseTemplate, type Template } from "../../template/index.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/** Where a `spec.template.data` item failed: parsing (before any value is seen) or executing. */
export type TemplateStage = "parse" | "execute";

/** The error of a failed `spec.template.data` item: its key, stage and position, nothing else. */
export class SealedTemplateError extends SealedSecretsError {
  readonly stage: TemplateStage;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(input: { key: string; stage: TemplateStage; line?: number | undefined; column?: number | undefined; detail?: string | undefined }) {
    const where = input.line === undefined ? "" : ` at line ${String(input.line)}${input.column === undefined ? "" : `, column ${String(input.column)}`}`;
    const detail = input.detail === undefined ? "" : `: ${input.detail}`;
    super(SEALED_ERROR.template, `spec.template.data.${input.key}: template ${input.stage === "parse" ? "does not parse" : "failed"}${where}${detail}`, {
      item: input.key,
      field: `spec.template.data.${input.key}`,
    });
    this.name = "SealedTemplateError";
    this.stage = input.stage;
    this.line = input.line;
    this.column = input.column;
  }
}

/**
 * What one item's template may spend on a spoke. A Secret holds at most 1 MiB; a real template
 * (a DSN, a config file) takes a few hundred steps. The limits stop `until`/`range` bombs from
 * holding the spoke's thread, and the time is read from the monotonic clock, never from a value.
 */
export const SEALED_TEMPLATE_BUDGET = { maxSteps: 1_000_000, maxOutputBytes: 1024 * 1024, timeoutMs: 2_000 } as const;

/**
 * Renders one `spec.template.data` value the way the controller does: Go text/template named after
 * the item, Sprig minus env/expandenv/getHostByName, default missingkey (a missing item prints
 * "<no value>"), executed against the decrypted items as strings.
 *
 * `spec.template` is not covered by the seal, so whoever writes to Git controls it, and any text an
 * execution error carries may have been computed from a decrypted value (`fail`, `required`, a
 * parse function quoting its input, `printf "%x"`, `upper`, substrings...). Scrubbing known
 * encodings cannot keep up with that, so nothing of an execution error leaves this function but
 * the item key and the position of the failing action (both from the template source). A parse
 * error runs before any value is touched and depends on the source alone, so its Go message stays.
 */
export function renderTemplateItem(key: string, source: string, data: Readonly<Record<string, string>>, clock?: Clock): string {
  let template: Template;
  try {
    template = parseTemplate(source, { name: key, functionSet: "sealed-secrets", missingKey: "default", ...(clock === undefined ? {} : { clock }) });
  } catch (err) {
    if (!isTemplateError(err)) throw new SealedTemplateError({ key, stage: "parse" });
    throw new SealedTemplateError({ key, stage: "parse", line: err.line, detail: parseDetail(err.message, key) });
  }
  try {
    return template.execute(data, new ExecBudget({ total: SEALED_TEMPLATE_BUDGET, now: () => performance.now() }));
  } catch (err) {
    // Deliberately no `cause`: the original error is the very text that must not travel.
    if (err instanceof BudgetExceededError) throw new SealedTemplateError({ key, stage: "execute", detail: `over its ${err.limit} budget` });
    if (!isTemplateError(err)) throw new SealedTemplateError({ key, stage: "execute" });
    throw new SealedTemplateError({ key, stage: "execute", line: err.line, column: err.column });
  }
}

/** Go's parse message without its `template: NAME:LINE: ` prefix (the key and line are ours already). */
function parseDetail(message: string, key: string): string {
  const prefix = `template: ${key}:`;
  if (!message.startsWith(prefix)) return message;
  return message.slice(prefix.length).replace(/^\d+:\s*/, "");
}
