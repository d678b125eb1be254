export { parseTemplate, renderTemplate, type Template, type TemplateOptions } from "./template.js";
export { renderFastTemplate } from "./fast-template.js";
export { TemplateError, isTemplateError, TEMPLATE_ERROR, type TemplateErrorCode } from "./template-errors.js";
export { sanitizeName, type FunctionSet } from "./function-sets.js";
export { GoTime } from "./go-time.js";
export { missingKeyFromGoTemplateOptions } from "./go-template-options.js";
export type { MissingKey } from "./exec.js";
export { ExecBudget, BudgetExceededError, BUDGET_LIMIT, type BudgetLimit, type BudgetLimits, type ExecBudgetOptions } from "./exec-budget.js";
export { systemRandom, type RandomSource, type KeyAlgorithm } from "./random-source.js";
