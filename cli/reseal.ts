import type { Command } from "commander";
import { FlotillaError } from "../core/index.js";
import { parseFleetSealedSecret, parseSealedSecret } from "../crds/index.js";
import { resealFleetEntry, resealSealedSecret, type KeyRing } from "../crypto/open.js";
import {
  formatManifest,
  parseManifests,
  SEALED_BY_ANNOTATION,
  SEALED_ERROR,
  SealedSecretsError,
  type FleetSealedSecretManifest,
  type OutputFormat,
  type SealedSecretManifest,
  type SealingCertificate,
} from "../crypto/seal.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { HubCertificates } from "./hub-certs.js";
import { collect, collectList } from "./flag-collectors.js";
import { emit, loadCertificate, loadKeyRing, outputFormatFor, readInput, readInputFile, replaceFilesAtomically, systemRandom } from "./sealed-io.js";
import { DEFAULT_HUB_URL, hubUrlFrom } from "./hub-url.js";

export interface ResealFlags {
  /** One certificate (SealedSecrets), or CLUSTER=FILE per FleetSealedSecret entry to re-encrypt. */
  readonly cert: readonly string[];
  /** --hub: take each cluster's current certificate from the hub (also implied by --cluster, or by $FLOTILLA_HUB without --cert). */
  readonly hub?: string | undefined;
  /** With the hub: the cluster of a plain SealedSecret (exactly one), or the only FleetSealedSecret entries to update. */
  readonly cluster?: readonly string[] | undefined;
  /** Where the certificate pins are (see cli/sealing-pins.ts). */
  readonly fleetRepo?: string | undefined;
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
  readonly hub: HubCertificates | undefined;
  readonly clusters: readonly string[];
}

/** What re-sealing one file (or stdin) did: the new text, and one report line per entry. */
interface Resealed {
  readonly text: string;
  readonly changed: boolean;
  readonly report: readonly string[];
  readonly fingerprints: readonly string[];
}

function wantsHub(ctx: CliContext, flags: ResealFlags): boolean {
  if (flags.hub !== undefined || (flags.cluster ?? []).length > 0) return true;
  return flags.cert.length === 0 && (ctx.env.FLOTILLA_HUB ?? "") !== "";
}

async function loadTargets(ctx: CliContext, flags: ResealFlags): Promise<Targets> {
  const hub = wantsHub(ctx, flags) ? new HubCertificates(ctx, hubUrlFrom(flags.hub, ctx), flags.fleetRepo) : undefined;
  if (flags.cert.length === 0 && hub === undefined) {
    throw new FlotillaError("INVALID_FLAG", "give the new certificate with --cert, or --hub URL to take each cluster's current one from the hub", { field: "--cert" });
  }
  let single: SealingCertificate | undefined;
  const byCluster = new Map<string, SealingCertificate>();
  for (const spec of flags.cert) {
    const eq = spec.indexOf("=");
    if (eq > 0 && !/^https?:/.test(spec)) byCluster.set(spec.slice(0, eq), await loadCertificate(ctx, spec.slice(eq + 1)));
    else if (single === undefined) single = await loadCertificate(ctx, spec);
    else throw new FlotillaError("INVALID_FLAG", "only one plain --cert is allowed; use CLUSTER=FILE for FleetSealedSecret entries", { field: "--cert" });
  }
  return { single, byCluster, hub, clusters: [...new Set(flags.cluster ?? [])] };
}

/** The old keys: read up front when given, asked for only when some entry actually needs re-encrypting. */
type KeyRingSource = () => Promise<KeyRing>;

async function keyRingSource(ctx: CliContext, files: readonly string[]): Promise<KeyRingSource> {
  if (files.length === 0) return () => loadKeyRing(ctx, files); // INVALID_FLAG, naming --recovery-private-key
  const ring = await loadKeyRing(ctx, files);
  return () => Promise.resolve(ring);
}

interface DocContext {
  readonly file: string;
  readonly targets: Targets;
  readonly ring: KeyRingSource;
  readonly report: string[];
  readonly fingerprints: Set<string>;
}

/** The FleetSealedSecret entries to bring to their cluster's current key, sorted. */
function entriesToUpdate(fss: FleetSealedSecretManifest, { targets, file }: DocContext): string[] {
  if (targets.hub === undefined && targets.byCluster.size === 0) {
    throw new FlotillaError("INVALID_FLAG", "a FleetSealedSecret needs --cert CLUSTER=FILE or --hub URL", { file, field: "--cert" });
  }
  const chosen = targets.hub === undefined ? [] : targets.clusters.length > 0 ? targets.clusters : fss.spec.clusters.map((c) => c.cluster);
  return [...new Set([...chosen, ...targets.byCluster.keys()])].sort();
}

async function resealFleetDoc(fss: FleetSealedSecretManifest, doc: DocContext): Promise<{ fss: FleetSealedSecretManifest; changed: boolean }> {
  const { targets, file } = doc;
  let changed = false;
  for (const cluster of entriesToUpdate(fss, doc)) {
    const entry = fss.spec.clusters.find((c) => c.cluster === cluster);
    if (entry === undefined) {
      const has = fss.spec.clusters.map((c) => c.cluster).join(", ") || "none";
      throw new SealedSecretsError(SEALED_ERROR.fleetNoEntry, `no entry for cluster "${cluster}" (it has: ${has})`, { file, field: "spec.clusters" });
    }
    const certificate = targets.byCluster.get(cluster) ?? (await targets.hub!.requireCertificate(cluster, { file, field: "--hub" }));
    if (entry.keyFingerprint === certificate.fingerprint) {
      doc.report.push(`  ${cluster}: already current`);
      continue;
    }
    fss = resealFleetEntry(fss, cluster, await doc.ring(), { certificate, random: systemRandom, file });
    doc.report.push(`  ${cluster}: ${entry.keyFingerprint || "(unknown key)"} -> ${certificate.fingerprint}`);
    doc.fingerprints.add(certificate.fingerprint);
    changed = true;
  }
  return { fss, changed };
}

async function resealPlainDoc(sealed: SealedSecretManifest, doc: DocContext): Promise<{ sealed: SealedSecretManifest; changed: boolean }> {
  const { targets, file } = doc;
  let certificate = targets.single;
  let who = "";
  if (certificate === undefined) {
    const [cluster] = targets.clusters;
    if (targets.hub === undefined || cluster === undefined || targets.clusters.length !== 1) {
      throw new FlotillaError("INVALID_FLAG", "a SealedSecret needs a plain --cert FILE, or --hub URL with one --cluster NAME", { file, field: "--cert" });
    }
    certificate = await targets.hub.requireCertificate(cluster, { file, field: "--cluster" });
    who = `${cluster}: `;
  }
  const current = sealed.metadata.annotations?.[SEALED_BY_ANNOTATION];
  if (current === certificate.fingerprint) {
    doc.report.push(`  ${who}already current`);
    return { sealed, changed: false };
  }
  const resealed = resealSealedSecret(sealed, await doc.ring(), { certificate, random: systemRandom, file });
  doc.report.push(`  ${who}${current ?? "(unknown key)"} -> ${certificate.fingerprint}`);
  doc.fingerprints.add(certificate.fingerprint);
  return { sealed: resealed, changed: true };
}

/**
 * Re-encrypts every document of one file's text to its target key; entries already sealed to it
 * are left as they are. The result keeps the file's format.
 */
async function resealText(text: string, file: string, targets: Targets, ring: KeyRingSource, format: OutputFormat): Promise<Resealed> {
  const docs = parseManifests(text, file);
  if (docs.length === 0) throw new FlotillaError("SEALED_EMPTY_INPUT", "no SealedSecret found", { file });
  const doc: DocContext = { file, targets, ring, report: [], fingerprints: new Set() };
  const out: string[] = [];
  let changed = false;
  for (const raw of docs) {
    if (raw.kind === "FleetSealedSecret") {
      const parsed = parseFleetSealedSecret(raw, file) as FleetSealedSecretManifest;
      doc.report.push(`${file}: FleetSealedSecret ${parsed.metadata.namespace ?? ""}/${parsed.metadata.name ?? ""}`);
      const result = await resealFleetDoc(parsed, doc);
      changed ||= result.changed;
      out.push(formatManifest(result.fss, format));
    } else {
      const parsed = parseSealedSecret(raw, file) as SealedSecretManifest;
      doc.report.push(`${file}: SealedSecret ${parsed.metadata.namespace ?? ""}/${parsed.metadata.name ?? ""}`);
      const result = await resealPlainDoc(parsed, doc);
      changed ||= result.changed;
      out.push(formatManifest(result.sealed, format));
    }
  }
  return { text: out.join(""), changed, report: doc.report, fingerprints: [...doc.fingerprints] };
}

function formatOf(text: string, override: string | undefined): OutputFormat {
  if (override === "json" || override === "yaml") return override;
  return text.trimStart().startsWith("{") ? "json" : "yaml";
}

/**
 * Offline re-encryption to a new key (a certificate file, or each cluster's current certificate on
 * the hub). Plaintext lives only in memory: each file is fully re-sealed before it is replaced
 * (atomically), a file that fails leaves every file untouched, and a file whose entries are all
 * current is not rewritten. What was done per entry goes to stderr once everything succeeded.
 */
export async function runReseal(ctx: CliContext, flags: ResealFlags): Promise<void> {
  const targets = await loadTargets(ctx, flags);
  const ring = await keyRingSource(ctx, flags.recoveryPrivateKey);
  if (flags.files.length === 0) {
    const input = await readInput(ctx, flags.stdinFile);
    const format = flags.output === undefined ? formatOf(input.text, flags.format) : outputFormatFor(flags.format ?? formatOf(input.text, undefined), flags.output);
    const result = await resealText(input.text, input.name, targets, ring, format);
    await emit(ctx, result.text, flags.output);
    ctx.stderr.write(result.report.map((line) => `${line}\n`).join(""));
    return;
  }
  const results: (Resealed & { file: string; original: string })[] = [];
  for (const file of flags.files) {
    const text = await readInputFile(ctx, file, "sealed file");
    results.push({ file, original: text, ...(await resealText(text, file, targets, ring, formatOf(text, flags.format))) });
  }
  const changed = results.filter((r) => r.changed);
  // All or nothing, down to the disk: a file that cannot be written leaves every file as it was.
  await replaceFilesAtomically(ctx, changed.map((r) => ({ path: r.file, text: r.text, original: r.original })));
  ctx.stderr.write(results.flatMap((r) => r.report.map((line) => `${line}\n`)).join(""));
  const current = results.length - changed.length;
  const fingerprints = [...new Set(changed.flatMap((r) => r.fingerprints))];
  ctx.stderr.write(
    changed.length === 0
      ? `nothing to re-seal: ${String(current)} file(s) already current\n`
      : `re-sealed ${String(changed.length)} file(s) to ${fingerprints.join(", ")}${current > 0 ? `; ${String(current)} already current` : ""}\n`,
  );
}

export const registerReseal: CommandRegistrar = (program: Command, ctx: CliContext) => {
  program
    .command("reseal")
    .description("re-encrypt SealedSecret / FleetSealedSecret files in place to a new key (a file, or each cluster's current one on the hub), offline, without writing plaintext")
    .argument("[files...]", "files to re-encrypt in place (default: stdin to stdout)")
    .option("--cert <file|CLUSTER=FILE>", "the new certificate (CLUSTER=FILE for a FleetSealedSecret entry)", collect, [])
    .option("--hub <url>", `take each cluster's current certificate from this hub (default $FLOTILLA_HUB or ${DEFAULT_HUB_URL}; used with --cluster, or when $FLOTILLA_HUB is set and no --cert is given)`)
    .option("--cluster <name>", "with the hub: the cluster of a SealedSecret, or only these FleetSealedSecret entries (repeatable)", collect, [])
    .option("--recovery-private-key <files>", "the current private keys (PEM or key Secret List); needed only for entries that change", collectList, [])
    .option("--fleet-repo <dir>", "check each certificate from the hub against the cluster's pin here (default $FLOTILLA_FLEET_REPO, else the Git work tree around the current directory)")
    .option("-o, --format <format>", "output format (default: the input's)")
    .action(async (files: string[], opts: { cert: string[]; hub?: string; cluster: string[]; recoveryPrivateKey: string[]; fleetRepo?: string; format?: string }) => {
      await runReseal(ctx, {
        cert: opts.cert,
        hub: opts.hub,
        fleetRepo: opts.fleetRepo,
        cluster: opts.cluster,
        recoveryPrivateKey: opts.recoveryPrivateKey,
        files,
        stdinFile: undefined,
        output: undefined,
        format: opts.format,
      });
    });
};
