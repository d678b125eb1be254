import type { z } from "zod";
import { FlotillaError } from "../core/index.js";

/** Stable codes of the CRD parsers (every one of them names the offending field). */
export const CRD_ERROR = {
  /** A document does not match its CRD schema (wrong type, missing or unknown field). */
  invalid: "CRD_INVALID",
  /** `generate:crds` met a CRD schema construct it cannot turn into zod (developer tool). */
  codegenUnsupported: "CRD_CODEGEN_UNSUPPORTED",
} as const;

export type CrdErrorCode = (typeof CRD_ERROR)[keyof typeof CRD_ERROR];

/** Shared by the CRD parsers of this folder: zod issues become one FlotillaError with a field path. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string | undefined, code: CrdErrorCode = CRD_ERROR.invalid): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".").replace(/\.\[/g, "[");
  // zod messages describe types and shapes, never input values.
  throw new FlotillaError(code, issue.message, { file, field });
}
