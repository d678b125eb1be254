import { spawn } from "node:child_process";
import { access, constants, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { HELM_ERROR, HelmError } from "../helm/index.js";

/** `--post-renderer PATH [--post-renderer-args ARG]...`, found as Helm's postrender.NewExec finds it. */
export interface PostRenderer {
  /** The absolute path of the program. */
  readonly path: string;
  readonly args: readonly string[];
}

/**
 * exec.LookPath then filepath.Abs: a name without a separator is searched in $PATH, a path is
 * taken relative to the working directory; either must be an executable file.
 * Throws HELM_OPTIONS_INVALID ("unable to find binary at ...") otherwise.
 */
export async function findPostRenderer(binary: string, args: readonly string[], env: { readonly cwd: string; readonly PATH: string | undefined }): Promise<PostRenderer> {
  const candidates = binary.includes("/") ? [resolve(env.cwd, binary)] : (env.PATH ?? "").split(delimiter).map((d) => resolve(env.cwd, d === "" ? "." : d, binary));
  for (const c of candidates) {
    if (await isExecutable(c)) return { path: isAbsolute(c) ? c : join(env.cwd, c), args };
  }
  const why = binary.includes("/") ? `exec: "${binary}": stat ${binary}: no such file or directory, or not an executable file` : `exec: "${binary}": executable file not found in $PATH`;
  throw new HelmError(HELM_ERROR.options, `invalid argument "${binary}" for "--post-renderer" flag: unable to find binary at ${binary}: ${why}`, { field: "--post-renderer" });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pipes the release manifest (CRDs and manifests, never hooks: Helm's renderResources) through the
 * program and returns what it writes to stdout. Its stderr goes to ours as it comes: it can echo
 * rendered manifests (Secrets), so it is never copied into the error. Throws HELM_POST_RENDER_FAILED
 * when the program cannot start, is killed or exits non-zero.
 */
export function runPostRenderer(renderer: PostRenderer, manifest: string, io: { readonly cwd: string; readonly stderr: NodeJS.WritableStream }): Promise<string> {
  return new Promise((done, fail) => {
    const failed = (detail: string, cause?: unknown): void => {
      fail(new HelmError(HELM_ERROR.postRender, `error while running post render on files: error while running command ${renderer.path}: ${detail}`, { field: "--post-renderer", cause }));
    };
    const child = spawn(renderer.path, [...renderer.args], { cwd: io.cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => io.stderr.write(b));
    // A program that exits without reading its input closes the pipe: not an error of ours (Helm ignores it too).
    child.stdin.on("error", () => {});
    child.on("error", (err) => failed((err as NodeJS.ErrnoException).code ?? "cannot start", err));
    child.on("close", (code, signal) => {
      if (code === 0) done(Buffer.concat(out).toString("utf8"));
      else failed(signal !== null ? `signal: ${signal}` : `exit status ${String(code)}`);
    });
    child.stdin.end(manifest);
  });
}
