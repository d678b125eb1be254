import type { Writable, Readable } from "node:stream";
import type { Command } from "commander";
import type { Clock, Logger } from "../core/index.js";

/**
 * What a command may touch of the outside world. Only cli/main.ts builds one from the real
 * process; tests build their own, so commands never read `process.*` themselves.
 */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly clock: Clock;
  /** Created lazily so `--log-level` on the command line applies. */
  logger(): Logger;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands await it. */
  readonly shutdown: AbortSignal;
}

/** One file per command; each exports a registrar that adds itself to the program. */
export type CommandRegistrar = (program: Command, ctx: CliContext) => void;
