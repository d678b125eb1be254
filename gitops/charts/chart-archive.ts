import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";

/** Bounds on one unpacked chart (Helm's own defaults: 100 MiB in all, 5 MiB per file). */
export interface ChartArchiveLimits {
  readonly maxTotalBytes: number;
  readonly maxFileBytes: number;
  readonly maxFiles: number;
}

export const DEFAULT_CHART_LIMITS: ChartArchiveLimits = { maxTotalBytes: 100 * 1024 * 1024, maxFileBytes: 5 * 1024 * 1024, maxFiles: 10_000 };

/** One file of a chart, its path relative to the chart's root (`Chart.yaml`, `templates/x.yaml`). */
export interface ChartFile {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * Unpacks a chart archive (`.tgz`) the way Helm's loader does: the first path component is the
 * chart's directory and is dropped; only regular files are kept. Paths that are absolute or climb
 * out with `..` are refused, and the sizes are bounded (a gzip bomb fails with GITOPS_TOO_LARGE).
 */
export async function unpackChartArchive(bytes: Uint8Array, what: string, where: { file?: string | undefined; field?: string | undefined } = {}, limits: ChartArchiveLimits = DEFAULT_CHART_LIMITS): Promise<ChartFile[]> {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: limits.maxTotalBytes + 1024 * 1024 });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw new GitOpsError(GITOPS_ERROR.tooLarge, `${what} unpacks to more than ${limits.maxTotalBytes} bytes`, where);
    throw new GitOpsError(GITOPS_ERROR.chart, `${what} is not a gzip archive`, where);
  }
  const files: ChartFile[] = [];
  let total = 0;
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (data: unknown) => {
        const c = data as Buffer;
        size += c.length;
        if (size <= limits.maxFileBytes) chunks.push(c);
      });
      stream.on("end", () => {
        try {
          if (header.type === "file" || header.type === "contiguous-file") {
            const name = chartPath(header.name, what, where);
            if (name !== undefined) {
              if (size > limits.maxFileBytes) throw new GitOpsError(GITOPS_ERROR.tooLarge, `${what}: ${name} is ${size} bytes, over the limit of ${limits.maxFileBytes} bytes`, where);
              total += size;
              if (total > limits.maxTotalBytes) throw new GitOpsError(GITOPS_ERROR.tooLarge, `${what} unpacks to more than ${limits.maxTotalBytes} bytes`, where);
              if (files.length >= limits.maxFiles) throw new GitOpsError(GITOPS_ERROR.tooLarge, `${what} holds more than ${limits.maxFiles} files`, where);
              files.push({ name, data: Buffer.concat(chunks) });
            }
          }
          next();
        } catch (err) {
          next(err as Error);
        }
      });
      stream.on("error", reject);
    });
    ex.on("finish", resolve);
    ex.on("error", (err: Error) => reject(err instanceof GitOpsError ? err : new GitOpsError(GITOPS_ERROR.chart, `${what} is not a valid tar archive: ${err.message}`, where)));
  });
  Readable.from([tar]).pipe(ex);
  await done;
  if (files.length === 0) throw new GitOpsError(GITOPS_ERROR.chart, `${what} holds no files`, where);
  return files;
}

/** The path inside the chart: without the top directory; undefined for the top directory's own entries. */
function chartPath(raw: string, what: string, where: { file?: string | undefined; field?: string | undefined }): string | undefined {
  const name = raw.replace(/\\/gu, "/");
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (name.startsWith("/") || parts.includes("..")) throw new GitOpsError(GITOPS_ERROR.pathEscape, `${what}: entry ${JSON.stringify(raw)} leaves the chart`, where);
  if (parts.length < 2) return undefined;
  return parts.slice(1).join("/");
}
