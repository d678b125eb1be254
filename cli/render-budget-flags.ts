import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { FlotillaError } from "../core/index.js";
import { DEFAULT_RENDER_BUDGET, type RenderBudget } from "../gitops/index.js";
import { parseDuration } from "./duration-flag.js";

/** The `--render-*` flags, as commander hands them over (strings). */
export interface RenderBudgetFlags {
  renderTimeout?: string;
  renderMaxSteps?: string;
  renderMaxOutputBytes?: string;
  renderAppTimeout?: string;
  renderAppMaxSteps?: string;
  renderAppMaxOutputBytes?: string;
  renderMaxMemory?: string;
  renderWorkers?: string;
}

const MIB = 1024 * 1024;

function bytes(n: number): string {
  return n % MIB === 0 ? `${n / MIB}Mi` : String(n);
}

/** The same flags on `flotilla hub`, `flotilla render` and `flotilla bootstrap`. */
export function addRenderBudgetFlags(command: Command): Command {
  const d = DEFAULT_RENDER_BUDGET;
  return command
    .option("--render-timeout <duration>", `wall time to render one ApplicationSet; past it the render worker is replaced (default ${d.timeoutMs / 60_000}m)`)
    .option("--render-max-steps <n>", `template steps (nodes, loop iterations, function calls) per ApplicationSet (default ${d.maxSteps})`)
    .option("--render-max-output-bytes <size>", `template output per ApplicationSet, e.g. 256Mi (default ${bytes(d.maxOutputBytes)})`)
    .option("--render-app-timeout <duration>", `template time per generated app (default ${d.appTimeoutMs / 1000}s)`)
    .option("--render-app-max-steps <n>", `template steps per generated app (default ${d.appMaxSteps})`)
    .option("--render-app-max-output-bytes <size>", `template output per generated app (default ${bytes(d.appMaxOutputBytes)})`)
    .option("--render-max-memory <size>", `heap of one render worker, e.g. 2Gi (default ${bytes(d.maxMemoryMb * MIB)})`)
    .option("--render-workers <n>", "render worker threads (default: the CPUs available, 2 to 4)");
}

function count(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll("_", ""));
  if (!Number.isSafeInteger(n) || n < 1) throw new FlotillaError("INVALID_FLAG", `"${value}" is not a positive integer`, { field });
  return n;
}

/** `1048576`, `512Ki`, `256Mi`, `2Gi` (Kubernetes quantity suffixes) → bytes. */
function size(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(value.trim());
  const unit: Readonly<Record<string, number>> = { Ki: 1024, Mi: MIB, Gi: 1024 * MIB };
  const n = m === null ? NaN : Number(m[1]) * (unit[m[2] ?? ""] ?? 1);
  if (!Number.isSafeInteger(n) || n < 1) throw new FlotillaError("INVALID_FLAG", `"${value}" is not a size like 256Mi`, { field });
  return n;
}

function duration(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value, field);
  if (ms < 1) throw new FlotillaError("INVALID_FLAG", "must be more than 0", { field });
  return ms;
}

export function renderBudgetFrom(flags: RenderBudgetFlags): { budget: RenderBudget; workers: number } {
  const d = DEFAULT_RENDER_BUDGET;
  const budget: RenderBudget = {
    timeoutMs: duration(flags.renderTimeout, "--render-timeout", d.timeoutMs),
    maxSteps: count(flags.renderMaxSteps, "--render-max-steps", d.maxSteps),
    maxOutputBytes: size(flags.renderMaxOutputBytes, "--render-max-output-bytes", d.maxOutputBytes),
    appTimeoutMs: duration(flags.renderAppTimeout, "--render-app-timeout", d.appTimeoutMs),
    appMaxSteps: count(flags.renderAppMaxSteps, "--render-app-max-steps", d.appMaxSteps),
    appMaxOutputBytes: size(flags.renderAppMaxOutputBytes, "--render-app-max-output-bytes", d.appMaxOutputBytes),
    maxMemoryMb: Math.max(16, Math.floor(size(flags.renderMaxMemory, "--render-max-memory", d.maxMemoryMb * MIB) / MIB)),
  };
  const workers = count(flags.renderWorkers, "--render-workers", Math.min(4, Math.max(2, availableParallelism())));
  return { budget, workers };
}
