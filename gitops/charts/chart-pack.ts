import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

/**
 * Packs a chart's files (chart-relative paths) into a `.tgz` under the directory `name/`, as
 * `chartutil.Save` lays an archive out: regular files only, sorted paths, a fixed mtime so the
 * same files make the same bytes (and the same digest).
 */
export async function packChartFiles(name: string, files: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    p.on("end", () => resolve());
    p.on("error", reject);
  });
  for (const path of [...files.keys()].sort()) {
    const data = Buffer.from(files.get(path) ?? new Uint8Array());
    await new Promise<void>((resolve, reject) => p.entry({ name: `${name}/${path}`, size: data.length, mode: 0o644, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve())));
  }
  p.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}
