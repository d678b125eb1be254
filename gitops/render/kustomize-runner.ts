import { execFile } from "node:child_process";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { describeKustomizeFailure } from "./kustomize-error.js";

/** Runs `kustomize build` on a directory and returns the YAML stream it prints. */
export interface KustomizeRunner {
  /** `root` and `path`: the temporary tree and the app's directory in it, so errors name repository files. */
  build(dir: string, where: { file?: string; field?: string; root?: string; path?: string }): Promise<string>;
}

export interface CommandKustomizeOptions {
  /** The environment of the child (PATH decides which binary runs); defaults to the process's. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly timeoutMs?: number | undefined;
  /** Largest output accepted, in bytes. */
  readonly maxOutputBytes?: number | undefined;
}

interface ExecFailure {
  readonly code?: string | number | undefined;
  readonly stderr?: string;
}

function run(file: string, args: string[], options: CommandKustomizeOptions): Promise<{ ok: true; stdout: string } | { ok: false; missing: boolean; stderr: string; signal: boolean }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        ...(options.env === undefined ? {} : { env: options.env }),
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: options.maxOutputBytes ?? 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ ok: true, stdout });
        const failure = error as ExecFailure & { killed?: boolean };
        resolve({ ok: false, missing: failure.code === "ENOENT", stderr: stderr || error.message, signal: failure.killed === true });
      },
    );
  });
}

/**
 * Runs `kubectl kustomize DIR`, or `kustomize build DIR` when kubectl is not on PATH. When neither
 * is installed the error says so plainly, instead of a spawn ENOENT.
 */
export function commandKustomizeRunner(options: CommandKustomizeOptions = {}): KustomizeRunner {
  return {
    async build(dir, where) {
      let result = await run("kubectl", ["kustomize", dir], options);
      if (!result.ok && result.missing) result = await run("kustomize", ["build", dir], options);
      if (result.ok) return result.stdout;
      if (result.missing) {
        throw new GitOpsError(GITOPS_ERROR.kustomize, "this app is a kustomization, but neither `kubectl` nor `kustomize` is on PATH; install kubectl (1.14+) or kustomize", where);
      }
      if (result.signal) throw new GitOpsError(GITOPS_ERROR.kustomize, "kustomize build failed: timed out", { file: where.file, field: where.field });
      const failure = describeKustomizeFailure(result.stderr, { root: where.root ?? dir, path: where.path ?? "", kustomization: where.file ?? "kustomization.yaml" });
      throw new GitOpsError(GITOPS_ERROR.kustomize, `kustomize build failed: ${failure.message}`, {
        file: failure.file,
        field: failure.line === undefined ? where.field : `line ${String(failure.line)}`,
      });
    },
  };
}
