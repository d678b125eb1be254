import { readFile, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { HELM_ERROR, HelmError } from "../helm/index.js";
import { GITOPS_ERROR, GitOpsError, readChartKeyring, verifyChartProvenance, type ChartKeyring } from "../gitops/index.js";
import type { CliContext } from "./context.js";

/** helm's defaultKeyring: $GNUPGHOME/pubring.gpg, else ~/.gnupg/pubring.gpg. */
function defaultKeyring(ctx: CliContext): string {
  const gnupg = ctx.env["GNUPGHOME"];
  return gnupg !== undefined && gnupg !== "" ? join(gnupg, "pubring.gpg") : join(ctx.env["HOME"] ?? ctx.cwd, ".gnupg", "pubring.gpg");
}

/** The keyring `--verify` checks with (`--keyring FILE`, armored or binary); undefined without --verify. */
export async function keyringFor(opts: { readonly verify?: boolean | undefined; readonly keyring?: string | undefined }, ctx: CliContext): Promise<ChartKeyring | undefined> {
  if (opts.verify !== true) return undefined;
  const path = opts.keyring ?? defaultKeyring(ctx);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(resolve(ctx.cwd, path));
  } catch {
    throw new HelmError(HELM_ERROR.options, `failed to load keyring: open ${path}: no such file or directory`, { field: "--keyring", file: path });
  }
  return readChartKeyring(bytes, { file: path, field: "--keyring" });
}

/** helm's downloader.VerifyChart for a local chart: a .tgz with `<file>.prov` beside it. */
export async function verifyLocalChart(path: string, keyring: ChartKeyring, ctx: CliContext): Promise<void> {
  const full = resolve(ctx.cwd, path);
  const info = await stat(full).catch(() => undefined);
  if (info === undefined) throw new HelmError(HELM_ERROR.chartNotFound, `path ${JSON.stringify(path)} not found`, { file: path, chart: path });
  if (info.isDirectory()) throw new HelmError(HELM_ERROR.options, "unpacked charts cannot be verified", { file: path, field: "--verify" });
  const bytes = await readFile(full);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new HelmError(HELM_ERROR.options, "chart must be a tgz file", { file: path, field: "--verify" });
  let prov: string;
  try {
    prov = await readFile(`${full}.prov`, "utf8");
  } catch {
    throw new GitOpsError(GITOPS_ERROR.chartProvenanceMissing, `could not load provenance file ${path}.prov`, { file: `${path}.prov`, field: "--verify" });
  }
  const v = await verifyChartProvenance(bytes, basename(full), prov, keyring, { file: `${path}.prov`, field: "--verify" });
  ctx.logger().debug({ chart: path, signedBy: v.signedBy, hash: v.fileHash }, "chart provenance verified");
}
