import { TEMPLATE_ERROR, TemplateError } from "./template-errors.js";

/** Which limit an execution ran into. */
export const BUDGET_LIMIT = {
  steps: "steps",
  output: "output",
  time: "time",
} as const;
export type BudgetLimit = (typeof BUDGET_LIMIT)[keyof typeof BUDGET_LIMIT];

/** Limits of one scope; an absent limit is unlimited. */
export interface BudgetLimits {
  /** Executed nodes, range iterations and function calls. */
  readonly maxSteps?: number | undefined;
  /** Characters written or built by templates (a single function result counts too). */
  readonly maxOutputBytes?: number | undefined;
  /** Wall time in milliseconds, measured with `now`. */
  readonly timeoutMs?: number | undefined;
}

export interface ExecBudgetOptions {
  /** Limits over the whole budget's life (an ApplicationSet). */
  readonly total?: BudgetLimits | undefined;
  /** Limits of each scope, reset by {@link ExecBudget.resetScope} (one generated app). */
  readonly scope?: BudgetLimits | undefined;
  /** Milliseconds clock (injected; `performance.now` in production). */
  readonly now: () => number;
}

/** How often (in steps) the clock is read: reading it on every step would cost more than the step. */
const CLOCK_EVERY = 4096;

/** Thrown when a template execution runs out of budget. Code TEMPLATE_BUDGET_EXCEEDED. */
export class BudgetExceededError extends TemplateError {
  readonly limit: BudgetLimit;
  /** True when a scope limit was hit, false for the total. */
  readonly inScope: boolean;

  constructor(limit: BudgetLimit, inScope: boolean, message: string) {
    super(TEMPLATE_ERROR.budget, message);
    this.name = "BudgetExceededError";
    this.limit = limit;
    this.inScope = inScope;
  }
}

/**
 * A step, output and time budget shared by many template executions: a hostile template
 * (`range until 40000` twice nested, `repeat 100000000`) stops with a typed error instead of
 * holding the thread. Two levels: a total (the whole ApplicationSet) and a scope (one app).
 */
export class ExecBudget {
  readonly #o: ExecBudgetOptions;
  readonly #maxSteps: number;
  readonly #maxScopeSteps: number;
  readonly #maxOutput: number;
  readonly #maxScopeOutput: number;
  readonly #deadline: number;
  #scopeDeadline: number;
  #steps = 0;
  #scopeSteps = 0;
  #output = 0;
  #scopeOutput = 0;
  #nextClock = CLOCK_EVERY;

  constructor(options: ExecBudgetOptions) {
    this.#o = options;
    const t = options.total ?? {};
    const s = options.scope ?? {};
    this.#maxSteps = t.maxSteps ?? Infinity;
    this.#maxScopeSteps = s.maxSteps ?? Infinity;
    this.#maxOutput = t.maxOutputBytes ?? Infinity;
    this.#maxScopeOutput = s.maxOutputBytes ?? Infinity;
    const start = options.now();
    this.#deadline = start + (t.timeoutMs ?? Infinity);
    this.#scopeDeadline = start + (s.timeoutMs ?? Infinity);
  }

  get steps(): number {
    return this.#steps;
  }

  get outputBytes(): number {
    return this.#output;
  }

  /** Starts a new scope (the next app): its counters and its clock start from zero. */
  resetScope(): void {
    this.#scopeSteps = 0;
    this.#scopeOutput = 0;
    this.#scopeDeadline = this.#o.now() + (this.#o.scope?.timeoutMs ?? Infinity);
    this.checkTime();
  }

  /** Counts `n` steps. The hot path: two additions and two comparisons. */
  step(n = 1): void {
    this.#steps += n;
    this.#scopeSteps += n;
    if (this.#steps >= this.#nextClock) {
      this.#nextClock = this.#steps + CLOCK_EVERY;
      this.checkTime();
    }
    if (this.#scopeSteps > this.#maxScopeSteps) this.#fail(BUDGET_LIMIT.steps, true, `more than ${this.#maxScopeSteps} template steps for one app`);
    if (this.#steps > this.#maxSteps) this.#fail(BUDGET_LIMIT.steps, false, `more than ${this.#maxSteps} template steps in total`);
  }

  /** Charges output that was written (a finished execution's text). */
  output(n: number): void {
    this.#output += n;
    this.#scopeOutput += n;
    this.#checkOutput(0);
  }

  /** How many more characters may be written now (the smaller of the scope's and the total's). */
  remainingOutput(): number {
    return Math.min(this.#maxOutput - this.#output, this.#maxScopeOutput - this.#scopeOutput);
  }

  /** Refuses, before it is built, a value of `size` characters or elements (`repeat`, `until`, `printf "%9999999d"`). */
  allocate(size: number, what: string): void {
    if (size > this.remainingOutput()) this.#checkOutput(size, what);
  }

  checkTime(): void {
    const now = this.#o.now();
    if (now > this.#scopeDeadline) this.#fail(BUDGET_LIMIT.time, true, `more than ${this.#o.scope?.timeoutMs ?? 0} ms for one app`);
    if (now > this.#deadline) this.#fail(BUDGET_LIMIT.time, false, `more than ${this.#o.total?.timeoutMs ?? 0} ms in total`);
  }

  #checkOutput(extra: number, what?: string): void {
    const by = what === undefined ? "" : ` (${what} of ${extra})`;
    if (this.#scopeOutput + extra > this.#maxScopeOutput) this.#fail(BUDGET_LIMIT.output, true, `more than ${this.#maxScopeOutput} bytes of template output for one app${by}`);
    if (this.#output + extra > this.#maxOutput) this.#fail(BUDGET_LIMIT.output, false, `more than ${this.#maxOutput} bytes of template output in total${by}`);
  }

  #fail(limit: BudgetLimit, inScope: boolean, detail: string): never {
    throw new BudgetExceededError(limit, inScope, `render budget exceeded: ${detail}`);
  }
}

/** The budget of the execution running now (executions are synchronous, so one at a time per thread). */
let active: ExecBudget | undefined;

/** Runs `fn` with `budget` as the active budget; restores the previous one (nested executions). */
export function withBudget<T>(budget: ExecBudget | undefined, fn: () => T): T {
  const previous = active;
  active = budget;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/**
 * For functions that build values whose size their arguments decide (`repeat`, `until`,
 * `untilStep`, `seq`, `indent`, printf widths): refuses the value before it is allocated.
 */
export function allocation(size: number, what: string): void {
  active?.allocate(size, what);
}

/**
 * For functions that cost milliseconds to seconds of CPU per call (`derivePassword`'s scrypt,
 * `bcrypt`, key and certificate generation): read the clock before each one, so a template that
 * calls them in a loop stops at its time budget after one call rather than after 4096.
 */
export function expensiveCall(): void {
  active?.checkTime();
}

/** The budget of the execution running now, for functions that run templates themselves (Helm's `include`, `tpl`). */
export function activeBudget(): ExecBudget | undefined {
  return active;
}
