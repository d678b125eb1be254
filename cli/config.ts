import { getEventListeners } from "node:events";
import { resolve } from "node:path";
import { createLogger, systemClock, type Logger } from "../core/index.js";
import type { CliContext } from "./context.js";

/**
 * The CLI's view of the real process (env, cwd, streams, signals), for the entry points
 * (cli/main.ts, cli/hub-image/main.ts). Nothing else reads `process`.
 */
export function processCliContext(argv: readonly string[]): CliContext {
  const controller = new AbortController();
  // A command that waits for shutdown (hub, spoke, devcluster, demo) listens on the signal and stops
  // its children itself; a second Ctrl-C must not kill node before they are stopped (they run in
  // their own process groups), so only a third one forces the exit. A command that does not listen
  // (say `seal` reading stdin) exits at once, as any CLI does. SIGHUP too: closing the terminal
  // must stop the demo's children, not orphan them.
  let signalsSeen = 0;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      signalsSeen++;
      if (getEventListeners(controller.signal, "abort").length === 0 || signalsSeen >= 3) process.exit(130);
      if (!controller.signal.aborted) controller.abort(new Error(`received ${signal}`));
    });
  }
  // A reader that went away (`flotilla demo | tee`, Ctrl-C kills tee first) must not crash the
  // process mid-shutdown: the output is lost, the children are still stopped.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
    });
  }
  const levelAt = argv.indexOf("--log-level");
  const level = (levelAt >= 0 ? argv[levelAt + 1] : undefined) ?? process.env.FLOTILLA_LOG_LEVEL ?? "info";
  const fileAt = argv.indexOf("--log-file");
  const logFile = (fileAt >= 0 ? argv[fileAt + 1] : undefined) ?? process.env.FLOTILLA_LOG_FILE;
  let logger: Logger | undefined;
  return {
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    clock: systemClock,
    logger: () => (logger ??= createLogger({ level, file: logFile === undefined || logFile === "" ? undefined : resolve(process.cwd(), logFile) })),
    shutdown: controller.signal,
  };
}
