import { appendFile, mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { HELM_ERROR, HelmError, type RenderedChart } from "../helm/index.js";

/** Where `helm template --output-dir` writes, and what it may append to. */
export interface OutputDirOptions {
  /** `--output-dir` as given (paths are printed as Helm prints them: the flag's text joined with the file's). */
  readonly dir: string;
  /** `--release-name`: manifests and hooks go under DIR/<release> (CRDs stay under DIR, as in Helm). */
  readonly releaseName?: string | undefined;
  readonly includeCrds: boolean;
  readonly skipTests: boolean;
  readonly cwd: string;
  /** Receives each `wrote PATH` line. */
  readonly print: (line: string) => void;
}

/**
 * `helm template --output-dir`, as action.renderResources and cmd/helm/template.go write it: each
 * document to `DIR/<its template path>` as `---\n# Source: PATH\nCONTENT\n`, appended when the same
 * file was written before in this run (several documents of one template). Hooks are appended
 * also to a file left by an earlier run (Helm checks the disk for them), manifests and CRDs never.
 */
export async function writeOutputDir(rendered: RenderedChart, options: OutputDirOptions): Promise<void> {
  const written = new Set<string>();
  const write = async (dir: string, name: string, data: string, append: boolean): Promise<void> => {
    // Go's strings.Join(dir, name): the file is named as given, not cleaned.
    const outfile = [dir, name].join(sep);
    const full = resolve(options.cwd, outfile);
    try {
      await mkdir(dirname(full), { recursive: true, mode: 0o755 });
      const text = `---\n# Source: ${name}\n${data}\n`;
      if (append) await appendFile(full, text, { flag: "a" });
      else await writeFile(full, text);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? "an I/O error";
      throw new HelmError(HELM_ERROR.options, `cannot write ${outfile}: ${reason}`, { file: outfile, field: "--output-dir", cause: err });
    }
    options.print(`wrote ${outfile}`);
  };
  if (options.includeCrds) {
    for (const crd of rendered.crds) {
      await write(options.dir, crd.filename, crd.content, written.has(crd.filename));
      written.add(crd.filename);
    }
  }
  // filepath.Join cleans the directory when the release name is added.
  const dir = options.releaseName === undefined ? options.dir : join(options.dir, options.releaseName);
  for (const m of rendered.manifests) {
    await write(dir, m.name, m.content, written.has(m.name));
    written.add(m.name);
  }
  for (const h of rendered.hooks) {
    if (options.skipTests && h.events.includes("test")) continue;
    await write(dir, h.path, h.manifest, await exists(resolve(options.cwd, join(dir, h.path))));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
