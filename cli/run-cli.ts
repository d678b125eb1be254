import { Command, CommanderError } from "commander";
import { isFlotillaError } from "../core/index.js";
import { commandsFor, type CommandEntry } from "./commands.js";
import type { CliContext } from "./context.js";
import { FLOTILLA_VERSION } from "./flotilla-version.js";

export const EXIT = { ok: 0, userError: 1, usage: 2, internal: 70 } as const;

export interface RunCliOptions {
  /** The commands this binary offers (default: all); the hub image offers only `hub`. */
  readonly commands?: readonly CommandEntry[];
}

export async function buildProgram(ctx: CliContext, argv: readonly string[] = [], options: RunCliOptions = {}): Promise<Command> {
  const commands = commandsFor(argv, options.commands);
  const program = new Command("flotilla").description("Secrets-aware GitOps for fleets of Kubernetes clusters");
  // Under `flotilla helm`, `--version` is helm's (the chart version constraint), not flotilla's:
  // commander would otherwise take it for the program's version flag wherever it appears.
  if (!(commands.length === 1 && commands[0]?.name === "helm")) program.version(FLOTILLA_VERSION, "-v, --version");
  program
    .option("--debug", "print stack traces for errors")
    .option("--log-level <level>", "debug, info, warn or error", "info")
    .option("--log-file <file>", "write the JSON log records to this file instead of stderr ($FLOTILLA_LOG_FILE)")
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      // Commander's own messages already start with "error:"; reprinted in our format below.
      outputError: () => undefined,
    });
  const registrars = await Promise.all(commands.map((entry) => entry.load()));
  for (const register of registrars) register(program, ctx);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

/**
 * Runs the CLI and returns the exit code. User errors print `error[CODE]: message` and no stack;
 * anything else is an internal error whose stack appears only with --debug.
 */
export async function runCli(argv: readonly string[], ctx: CliContext, options: RunCliOptions = {}): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    const program = await buildProgram(ctx, argv, options);
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT.ok; // --help, --version
      const message = err.message.replace(/^error: /, "");
      ctx.stderr.write(`error[USAGE]: ${message}\n`);
      return EXIT.usage;
    }
    if (isFlotillaError(err)) {
      ctx.stderr.write(`error[${err.code}]: ${err.describe()}\n`);
      if (debug && err.stack !== undefined) ctx.stderr.write(`${err.stack}\n`);
      return err.userError ? EXIT.userError : EXIT.internal;
    }
    const message = err instanceof Error ? err.message : String(err);
    ctx.stderr.write(`error[INTERNAL]: ${message}\n`);
    if (debug && err instanceof Error && err.stack !== undefined) ctx.stderr.write(`${err.stack}\n`);
    else ctx.stderr.write("(run with --debug for details)\n");
    return EXIT.internal;
  }
}
