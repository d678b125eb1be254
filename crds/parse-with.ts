import type { z } from "zod";
import { FlotillaError } from "../core/index.js";

/** Shared by the CRD parsers of this folder: zod issues become one FlotillaError with a field path. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string | undefined, code = "CRD_INVALID"): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".").replace(/\.\[/g, "[");
  // zod messages describe types and shapes, never input values.
  throw new FlotillaError(code, issue.message, { file, field });
}
