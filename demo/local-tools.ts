import { execFile } from "node:child_process";
import { FlotillaError, locateExecutable, SBIN_DIRS } from "../core/index.js";

export const DEMO_ERRORS = {
  toolMissing: "DEMO_TOOL_MISSING",
  commandFailed: "DEMO_COMMAND_FAILED",
  dirNotEmpty: "DEMO_DIR_NOT_EMPTY",
  notConverged: "DEMO_NOT_CONVERGED",
  badFlag: "INVALID_FLAG",
} as const;

const INSTALL_HINTS: Readonly<Record<string, string>> = {
  "nats-server": "install it with `apt-get install nats-server` (Debian/Ubuntu), `brew install nats-server`, or download it from https://github.com/nats-io/nats-server/releases and put it on PATH",
  kubectl: "run `bash scripts/install-kubectl.sh` (kubectl 1.32 into .tools/bin, needs unzip) or install kubectl 1.32 (https://kubernetes.io/docs/tasks/tools/) and put it on PATH",
};

/** Finds a binary on PATH, then in the sbin directories where Debian puts servers. */
export function findExecutable(name: string, pathEnv: string | undefined, fallbackDirs: readonly string[] = [...SBIN_DIRS, "/usr/local/bin"]): string {
  const found = locateExecutable(name, pathEnv, fallbackDirs);
  if (found !== undefined) return found;
  throw new FlotillaError(DEMO_ERRORS.toolMissing, `${name} not found on PATH or in ${fallbackDirs.join(", ")}; ${INSTALL_HINTS[name] ?? "install it and put it on PATH"}`);
}

/** Runs a short command to completion and returns its stdout; failure carries the command's own error output. */
export function runCommand(input: { command: string; args: readonly string[]; env?: Readonly<Record<string, string | undefined>>; cwd?: string; what: string; signal?: AbortSignal }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      input.command,
      [...input.args],
      { env: input.env === undefined ? undefined : { ...input.env }, cwd: input.cwd, maxBuffer: 16 * 1024 * 1024, timeout: 120_000, signal: input.signal },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve(stdout);
          return;
        }
        const detail = stderr.trim().split("\n").slice(-5).join("\n");
        reject(new FlotillaError(DEMO_ERRORS.commandFailed, `${input.what} failed${detail === "" ? "" : `:\n${detail}`}`));
      },
    );
  });
}
