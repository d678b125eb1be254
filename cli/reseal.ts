import type { Command } from "commander";
import { FlotillaError } from "../core/index.js";
import { parseFleetSealedSecret, parseSealedSecret } from "../crds/index.js";
import { resealFleetEntry, resealSealedSecret, type KeyRing } from "../crypto/open.js";
import { formatManifest, parseManifests, type FleetSealedSecretManifest, type OutputFormat, type SealedSecretManifest, type SealingCertificate } from "../crypto/seal.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { collect, collectList, emit, loadCertificate, loadKeyRing, outputFormatFor, readInput, readInputFile, systemRandom, writeFileAtomic } from "./sealed-io.js";

export interface ResealFlags {
  /** One certificate (SealedSecrets), or CLUSTER=FILE per FleetSealedSecret entry to re-encrypt. */
  readonly cert: readonly string[];
  readonly recoveryPrivateKey: readonly string[];
  /** Files re-encrypted in place. */
  readonly files: readonly string[];
  /** With no files: read this (or stdin) and write to `output` (kubeseal --re-encrypt). */
  readonly stdinFile: string | undefined;
  readonly output: string | undefined;
  readonly format: string | undefined;
}

interface Targets {
  readonly single: SealingCertificate | undefined;
  readonly byCluster: ReadonlyMap<string, SealingCertificate>;
}

async function loadTargets(ctx: CliContext, specs: readonly string[]): Promise<Targets> {
  if (specs.length === 0) throw new FlotillaError("INVALID_FLAG", "give the new certificate with --cert", { field: "--cert" });
  let single: SealingCertificate | undefined;
  const byCluster = new Map<string, SealingCertificate>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq > 0 && !/^https?:/.test(spec)) byCluster.set(spec.slice(0, eq), await loadCertificate(ctx, spec.slice(eq + 1)));
    else if (single === undefined) single = await loadCertificate(ctx, spec);
    else throw new FlotillaError("INVALID_FLAG", "only one plain --cert is allowed; use CLUSTER=FILE for FleetSealedSecret entries", { field: "--cert" });
  }
  return { single, byCluster };
}

/** Re-encrypts every document of one file's text; the result keeps the file's format. */
function resealText(text: string, name: string, ring: KeyRing, targets: Targets, format: OutputFormat): string {
  const docs = parseManifests(text, name);
  if (docs.length === 0) throw new FlotillaError("SEALED_EMPTY_INPUT", "no SealedSecret found", { file: name });
  return docs
    .map((doc) => {
      if (doc.kind === "FleetSealedSecret") {
        let fss = parseFleetSealedSecret(doc, name) as FleetSealedSecretManifest;
        if (targets.byCluster.size === 0) throw new FlotillaError("INVALID_FLAG", "a FleetSealedSecret needs --cert CLUSTER=FILE", { file: name, field: "--cert" });
        for (const [cluster, certificate] of targets.byCluster) fss = resealFleetEntry(fss, cluster, ring, { certificate, random: systemRandom, file: name });
        return formatManifest(fss, format);
      }
      const sealed = parseSealedSecret(doc, name) as SealedSecretManifest;
      if (targets.single === undefined) throw new FlotillaError("INVALID_FLAG", "a SealedSecret needs a plain --cert FILE", { file: name, field: "--cert" });
      return formatManifest(resealSealedSecret(sealed, ring, { certificate: targets.single, random: systemRandom, file: name }), format);
    })
    .join("");
}

function formatOf(text: string, override: string | undefined): OutputFormat {
  if (override === "json" || override === "yaml") return override;
  return text.trimStart().startsWith("{") ? "json" : "yaml";
}

/**
 * Offline re-encryption to a new key. Plaintext lives only in memory: each file is fully re-sealed
 * before it is replaced (atomically), and a file that fails leaves every file untouched.
 */
export async function runReseal(ctx: CliContext, flags: ResealFlags): Promise<void> {
  const targets = await loadTargets(ctx, flags.cert);
  const ring = await loadKeyRing(ctx, flags.recoveryPrivateKey);
  if (flags.files.length === 0) {
    const input = await readInput(ctx, flags.stdinFile);
    const format = flags.output === undefined ? formatOf(input.text, flags.format) : outputFormatFor(flags.format ?? formatOf(input.text, undefined), flags.output);
    await emit(ctx, resealText(input.text, input.name, ring, targets, format), flags.output);
    return;
  }
  const results: { file: string; text: string }[] = [];
  for (const file of flags.files) {
    const text = await readInputFile(ctx, file, "sealed file");
    results.push({ file, text: resealText(text, file, ring, targets, formatOf(text, flags.format)) });
  }
  for (const result of results) await writeFileAtomic(ctx, result.file, result.text);
  ctx.stderr.write(`re-sealed ${results.length} file(s) to ${[targets.single, ...targets.byCluster.values()].filter((c) => c !== undefined).map((c) => c.fingerprint).join(", ")}\n`);
}

export const registerReseal: CommandRegistrar = (program: Command, ctx: CliContext) => {
  program
    .command("reseal")
    .description("re-encrypt SealedSecret / FleetSealedSecret files in place to a new key, offline, without writing plaintext")
    .argument("[files...]", "files to re-encrypt in place (default: stdin to stdout)")
    .option("--cert <file|CLUSTER=FILE>", "the new certificate (CLUSTER=FILE for a FleetSealedSecret entry)", collect, [])
    .option("--recovery-private-key <files>", "the current private keys (PEM or key Secret List)", collectList, [])
    .option("-o, --format <format>", "output format (default: the input's)")
    .action(async (files: string[], opts: { cert: string[]; recoveryPrivateKey: string[]; format?: string }) => {
      await runReseal(ctx, { cert: opts.cert, recoveryPrivateKey: opts.recoveryPrivateKey, files, stdinFile: undefined, output: undefined, format: opts.format });
    });
};
