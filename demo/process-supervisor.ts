import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { FlotillaError, type Logger } from "../core/index.js";

export interface ChildSpec {
  /** A short unique name used in logs and errors, e.g. `devcluster eu-1`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** The child is up once a line of its stdout or stderr matches; the match is returned. */
  readonly ready?: RegExp;
  readonly readyTimeoutMs?: number;
  /** Sees every chunk the child prints (stdout and stderr), unbounded: for callers that keep full logs. */
  readonly onOutput?: (text: string) => void;
}

export interface SupervisedChild {
  readonly name: string;
  readonly pid: number;
  /** Everything the child printed so far (bounded), for error messages and diagnostics. */
  output(): string;
  readonly exited: Promise<number | null>;
}

const OUTPUT_LIMIT = 64 * 1024;

export const SUPERVISOR_ERRORS = {
  spawnFailed: "DEMO_SPAWN_FAILED",
  notReady: "DEMO_CHILD_NOT_READY",
  exitedEarly: "DEMO_CHILD_EXITED",
} as const;

/**
 * Starts child processes, waits for each to say it is ready, and stops them all, newest first,
 * with SIGTERM then SIGKILL. Each child gets its own process group so a Ctrl-C to the demo leaves
 * nothing behind even if a child spawned helpers of its own.
 */
export class ProcessSupervisor {
  readonly #children: { spec: ChildSpec; proc: ChildProcess; exited: Promise<number | null> }[] = [];
  readonly #logger: Logger;
  readonly #stopGraceMs: number;
  #stopping = false;

  constructor(options: { logger: Logger; stopGraceMs?: number }) {
    this.#logger = options.logger;
    this.#stopGraceMs = options.stopGraceMs ?? 5_000;
  }

  async start(spec: ChildSpec): Promise<SupervisedChild & { readyLine: string | undefined }> {
    const proc = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env === undefined ? undefined : Object.fromEntries(Object.entries(spec.env).filter(([, v]) => v !== undefined)),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    let pending = "";
    let onLine: ((line: string) => void) | undefined;
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString();
      spec.onOutput?.(text);
      output = (output + text).slice(-OUTPUT_LIMIT);
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine?.(line);
    };
    proc.stdout?.on("data", collect);
    proc.stderr?.on("data", collect);
    const exited = new Promise<number | null>((resolve) => {
      proc.once("exit", (code) => {
        resolve(code);
      });
      proc.once("error", () => {
        resolve(null);
      });
    });
    const spawned = await new Promise<boolean>((resolve) => {
      proc.once("spawn", () => {
        resolve(true);
      });
      proc.once("error", () => {
        resolve(false);
      });
    });
    if (!spawned || proc.pid === undefined) {
      throw new FlotillaError(SUPERVISOR_ERRORS.spawnFailed, `could not start ${spec.name} (${spec.command})`);
    }
    this.#children.push({ spec, proc, exited });
    this.#logger.debug({ child: spec.name, pid: proc.pid }, "started");

    let readyLine: string | undefined;
    if (spec.ready !== undefined) {
      const pattern = spec.ready;
      const timeoutMs = spec.readyTimeoutMs ?? 30_000;
      readyLine = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new FlotillaError(SUPERVISOR_ERRORS.notReady, `${spec.name} was not ready after ${String(timeoutMs)} ms; it printed:\n${tail(output)}`));
        }, timeoutMs);
        onLine = (line) => {
          if (pattern.test(line)) {
            clearTimeout(timer);
            onLine = undefined;
            resolve(line);
          }
        };
        // The ready line may already be in the buffer.
        for (const line of output.split("\n")) onLine?.(line);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new FlotillaError(SUPERVISOR_ERRORS.exitedEarly, `${spec.name} exited (code ${String(code)}) before it was ready; it printed:\n${tail(output)}`));
        });
      });
    }
    return { name: spec.name, pid: proc.pid, output: () => output, exited, readyLine };
  }

  /** Children still running, by name. */
  running(): string[] {
    return this.#children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null).map((c) => c.spec.name);
  }

  /** Stops one child by name (used to simulate an outage) and waits for it to exit. */
  async stopChild(name: string): Promise<void> {
    const index = this.#children.findIndex((c) => c.spec.name === name);
    if (index < 0) return;
    const [child] = this.#children.splice(index, 1);
    if (child !== undefined) await this.#terminate(child);
  }

  /** Stops every child, newest first, and waits until each has exited. Idempotent. */
  async stopAll(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const children = this.#children.splice(0).reverse();
    for (const child of children) await this.#terminate(child);
    this.#stopping = false;
  }

  async #terminate(child: { spec: ChildSpec; proc: ChildProcess; exited: Promise<number | null> }): Promise<void> {
    const { proc } = child;
    if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
    signalGroup(proc.pid, "SIGTERM");
    const timer = setTimeout(() => {
      if (proc.pid !== undefined) signalGroup(proc.pid, "SIGKILL");
    }, this.#stopGraceMs);
    await child.exited;
    clearTimeout(timer);
    // Anything the child left in its group goes too; wait until the group is really gone.
    signalGroup(proc.pid, "SIGKILL");
    await waitForGroupGone(proc.pid, this.#stopGraceMs);
    this.#logger.debug({ child: child.spec.name }, "stopped");
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** True while some process of the group is running (zombies waiting to be reaped do not count). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // A group of zombies still answers kill(0); look at the members' states where /proc exists.
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
    }
    return false;
  } catch {
    return true;
  }
}

async function waitForGroupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

function tail(text: string, lines = 20): string {
  return text.split("\n").slice(-lines).join("\n");
}
