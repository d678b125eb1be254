import { BudgetExceededError, ExecBudget, TEMPLATE_ERROR, type BudgetLimit } from "../template/index.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";

/**
 * What rendering one ApplicationSet, and each app it generates, may cost. The defaults are far
 * above what a real fleet needs (10 000 clusters × 10 apps render in about a second in total), so
 * only a runaway or hostile template meets them. `flotilla hub` and `flotilla render` take
 * `--render-*` flags for each.
 */
export interface RenderBudget {
  /** Wall time of one ApplicationSet (generators, templates, manifests). Enforced by replacing the worker. */
  readonly timeoutMs: number;
  /** Template steps (nodes, range iterations, function calls, generated param sets) of one ApplicationSet. */
  readonly maxSteps: number;
  /** Characters all of one ApplicationSet's templates may write or build. */
  readonly maxOutputBytes: number;
  /** Template time of one app (one parameter set). */
  readonly appTimeoutMs: number;
  /** Template steps of one app. */
  readonly appMaxSteps: number;
  /** Template output of one app. */
  readonly appMaxOutputBytes: number;
  /** Heap of one render worker, in MiB: a value built in one native call (a huge list) stops here. */
  readonly maxMemoryMb: number;
}

export const DEFAULT_RENDER_BUDGET: RenderBudget = {
  timeoutMs: 5 * 60_000,
  maxSteps: 500_000_000,
  maxOutputBytes: 256 * 1024 * 1024,
  appTimeoutMs: 10_000,
  appMaxSteps: 10_000_000,
  appMaxOutputBytes: 16 * 1024 * 1024,
  maxMemoryMb: 2048,
};

/** The template budget of one ApplicationSet render: its totals, and a scope per app. */
export function appSetExecBudget(budget: RenderBudget, now: () => number): ExecBudget {
  return new ExecBudget({
    total: { maxSteps: budget.maxSteps, maxOutputBytes: budget.maxOutputBytes, timeoutMs: budget.timeoutMs },
    scope: { maxSteps: budget.appMaxSteps, maxOutputBytes: budget.appMaxOutputBytes, timeoutMs: budget.appTimeoutMs },
    now,
  });
}

export function isBudgetExceeded(err: unknown): err is BudgetExceededError {
  return err instanceof BudgetExceededError || (err instanceof Error && (err as { code?: unknown }).code === TEMPLATE_ERROR.budget);
}

/** A budget failure of one ApplicationSet, as the hub and CLI report it (code RENDER_BUDGET_EXCEEDED). */
export function renderBudgetError(detail: string, where: { appSet: string; app?: string | undefined; file?: string | undefined; field?: string | undefined; limit?: BudgetLimit | "memory" | undefined }): GitOpsError {
  const app = where.app === undefined ? "" : ` (${where.app})`;
  return new GitOpsError(GITOPS_ERROR.budget, `ApplicationSet ${where.appSet}${app}: ${detail}`, { file: where.file, field: where.field });
}
