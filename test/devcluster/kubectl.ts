import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const KUBECTL = "/usr/bin/kubectl";

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real kubectl against one kubeconfig with its own discovery cache (no cross-test caching). */
export class Kubectl {
  readonly kubeconfig: string;
  readonly cacheDir: string;

  constructor(kubeconfig: string) {
    this.kubeconfig = kubeconfig;
    this.cacheDir = mkdtempSync(join(tmpdir(), "kubectl-cache-"));
  }

  #args(args: readonly string[]): string[] {
    return ["--kubeconfig", this.kubeconfig, "--cache-dir", this.cacheDir, ...args];
  }

  run(args: readonly string[], input?: string): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(KUBECTL, this.#args(args), { stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH, HOME: tmpdir() } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      child.stdin.end(input ?? "");
    });
  }

  /** Starts a long-running kubectl (e.g. `get --watch`); the caller kills it. */
  /**
   * Starts a long-running kubectl (e.g. `get --watch`) whose output goes to a file, read with
   * `output()`; the caller calls `stop()`.
   */
  background(args: readonly string[]): BackgroundKubectl {
    const dir = mkdtempSync(join(tmpdir(), "kubectl-out-"));
    const file = join(dir, "out.txt");
    const fd = openSync(file, "w");
    const child = spawn(KUBECTL, this.#args(args), { stdio: ["ignore", fd, fd], env: { PATH: process.env.PATH, HOME: tmpdir() } });
    closeSync(fd);
    return {
      output: () => readFileSync(file, "utf8"),
      stop: () => {
        child.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

export interface BackgroundKubectl {
  output(): string;
  stop(): void;
}

/** Polls a background kubectl's output until `predicate` holds (rejects after `ms`). */
export async function waitForOutput(proc: BackgroundKubectl, predicate: (out: string) => boolean, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const out = proc.output();
    if (predicate(out)) return out;
    if (Date.now() > deadline) throw new Error(`timed out waiting for kubectl output; got:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
