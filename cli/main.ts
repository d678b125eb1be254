#!/usr/bin/env node
import { getEventListeners } from "node:events";
import { createLogger, systemClock, type Logger } from "../core/index.js";
import { runCli } from "./run-cli.js";

// The only place that reads the real process: argv, env, streams and signals.
const argv = process.argv.slice(2);
const controller = new AbortController();
// A command that waits for shutdown (hub, spoke, devcluster, demo) listens on the signal and stops
// its children itself; a second Ctrl-C must not kill node before they are stopped (they run in
// their own process groups), so only a third one forces the exit. A command that does not listen
// (say `seal` reading stdin) exits at once, as any CLI does.
let signalsSeen = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    signalsSeen++;
    if (getEventListeners(controller.signal, "abort").length === 0 || signalsSeen >= 3) process.exit(130);
    if (!controller.signal.aborted) controller.abort(new Error(`received ${signal}`));
  });
}

function logLevel(): string {
  const i = argv.indexOf("--log-level");
  const fromFlag = i >= 0 ? argv[i + 1] : undefined;
  return fromFlag ?? process.env.FLOTILLA_LOG_LEVEL ?? "info";
}

let logger: Logger | undefined;
const code = await runCli(argv, {
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  clock: systemClock,
  logger: () => (logger ??= createLogger({ level: logLevel() })),
  shutdown: controller.signal,
});
process.exitCode = code;
