import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { posix } from "node:path";
import { extract } from "tar-stream";
import { HELM_ERROR, HelmError } from "./helm-errors.js";

/** Limits on a chart archive (`.tgz`): a hostile archive can claim any size or number of entries. */
export interface ChartArchiveLimits {
  /** Most bytes after gunzip (default 100 MiB, Helm 3.18's default). */
  readonly maxDecompressedBytes?: number;
  /** Most bytes of one file (default 5 MiB, as Helm 3.18). */
  readonly maxFileBytes?: number;
  /** Most entries (default 10000). */
  readonly maxEntries?: number;
}

const DEFAULTS = { maxDecompressedBytes: 100 * 1024 * 1024, maxFileBytes: 5 * 1024 * 1024, maxEntries: 10_000 } as const;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Reads a packaged chart (gzip'd tar, Helm's `LoadArchiveFiles`) into a file map: the first path
 * segment (the chart's directory) is dropped, directories and pax headers skipped, a UTF-8 BOM
 * stripped. Refuses absolute paths, `..`, drive letters, links and devices, Chart.yaml outside
 * the chart directory, and anything over the limits, with HELM_CHART_INVALID; nothing is written
 * anywhere.
 */
export async function readChartArchive(bytes: Uint8Array, options: { readonly source: string; readonly limits?: ChartArchiveLimits }): Promise<Map<string, Uint8Array>> {
  const limits = { ...DEFAULTS, ...options.limits };
  const source = options.source;
  const fail = (message: string): HelmError => new HelmError(HELM_ERROR.chartInvalid, message, { file: source, chart: source });
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(bytes, { maxOutputLength: limits.maxDecompressedBytes });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw fail(`chart archive is larger than ${limits.maxDecompressedBytes} bytes when decompressed`);
    throw fail("chart archive is not a gzip file");
  }
  const files = new Map<string, Uint8Array>();
  const ex = extract();
  let entries = 0;
  const done = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      entries++;
      if (entries > limits.maxEntries) throw fail(`chart archive has more than ${limits.maxEntries} entries`);
      const type: string = h.type ?? "file";
      if (type === "directory" || type === "pax-header" || type === "pax-global-header") {
        entry.resume();
        continue;
      }
      if (type !== "file" && type !== "contiguous-file") throw fail(`chart archive entry ${JSON.stringify(h.name)} is a ${type}; only regular files are allowed`);
      const name = archivePath(h.name, fail);
      if ((h.size ?? 0) > limits.maxFileBytes) throw fail(`chart archive file ${JSON.stringify(name)} is larger than ${limits.maxFileBytes} bytes`);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limits.maxFileBytes) throw fail(`chart archive file ${JSON.stringify(name)} is larger than ${limits.maxFileBytes} bytes`);
        chunks.push(chunk);
      }
      let data: Uint8Array = Buffer.concat(chunks);
      if (UTF8_BOM.every((b, i) => data[i] === b)) data = data.subarray(3);
      files.set(name, data);
    }
  })();
  Readable.from([tarBytes]).pipe(ex);
  try {
    await done;
  } catch (err) {
    ex.destroy();
    if (err instanceof HelmError) throw err;
    throw fail(`chart archive is not a valid tar file: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (files.size === 0) throw new HelmError(HELM_ERROR.chartNotFound, "no files in chart archive", { file: source, chart: source });
  return files;
}

/** Helm's path checks for one tar entry; returns the chart-relative name. */
function archivePath(raw: string, fail: (message: string) => HelmError): string {
  const delimiter = raw.includes("\\") ? "\\" : "/";
  const parts = raw.split(delimiter);
  if (parts[0] === "Chart.yaml") throw fail("chart yaml not in base directory");
  const joined = parts.slice(1).join("/");
  if (joined.startsWith("/")) throw fail("chart illegally contains absolute paths");
  const n = posix.normalize(joined === "" ? "." : joined).replace(/\/$/, "");
  if (n === "." || n === "") throw fail(`chart illegally contains content outside the base directory: ${JSON.stringify(raw)}`);
  if (n.startsWith("..")) throw fail("chart illegally references parent directory");
  if (/^[a-zA-Z]:/.test(n)) throw fail("chart contains illegally named files");
  return n;
}
