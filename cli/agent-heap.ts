import { setFlagsFromString } from "node:v8";
import { commandsFor } from "./commands.js";

/** Young-generation flags a user (or the image's ENTRYPOINT) may have set; we never override them. */
const YOUNG_GENERATION_FLAG = /^--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor|max-young-generation-size)(=|$)/;

/** Long-running agents whose resident memory matters more than allocation throughput. */
const AGENT_COMMANDS: ReadonlySet<string> = new Set(["spoke"]);

/**
 * Whether to keep V8's young generation at its initial 1 MiB semi-space for this run: only for an
 * agent command, and only when neither the node flags nor NODE_OPTIONS size the young generation.
 */
export function wantsSmallYoungGeneration(argv: readonly string[], execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const commands = commandsFor(argv);
  if (commands.length !== 1 || !AGENT_COMMANDS.has(commands[0]?.name ?? "")) return false;
  const flags = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)];
  return !flags.some((f) => YOUNG_GENERATION_FLAG.test(f.replace(/_/g, "-")));
}

/**
 * An idle spoke is mostly young-generation slack: module loading lets V8 grow each semi-space to
 * 16 MiB, pages that stay resident while the agent idles (docs/benchmarks.md, footprint). A growth
 * factor of 1 keeps the semi-space at its initial 1 MiB, what `--max-semi-space-size=1` does in
 * the image, so a spoke started with plain `node` (or `npx flotilla spoke`) gets the same footprint.
 * This flag is a heuristic V8 reads each time it considers growing new space, so setting it at
 * startup (before the spoke's modules load) is safe, unlike flags that size the heap at creation.
 */
export function useSmallYoungGeneration(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}
