import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { HELM_ERROR, HelmError } from "../helm/index.js";

/** Most bytes read from a chart directory (a chart is small; a wrong path to a home directory is not). */
const MAX_CHART_DIR_BYTES = 100 * 1024 * 1024;

/** Reads a chart directory into a file map (paths relative to the chart, `/` separators); links are followed as helm's sympath.Walk does. */
export async function readChartDirectory(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  let total = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    const full = join(e.parentPath, e.name);
    let isFile = e.isFile();
    if (e.isSymbolicLink()) isFile = (await stat(full)).isFile();
    if (!isFile) continue;
    const data = await readFile(full);
    total += data.length;
    if (total > MAX_CHART_DIR_BYTES) throw new HelmError(HELM_ERROR.chartInvalid, `chart directory ${dir} holds more than ${MAX_CHART_DIR_BYTES} bytes`, { file: dir });
    files.set(relative(dir, full).split(sep).join("/"), data);
  }
  return files;
}

/** True when `path` is a directory. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
