import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { FlotillaError, errorMessage } from "../core/index.js";
import type { SealingCertificate } from "../crypto/seal.js";
import { clusterFromObject, isArgoClusterSecret, isClusterObject } from "../gitops/index.js";
import type { CliContext } from "./context.js";
import { replaceFilesAtomically, resolvePath } from "./sealed-io.js";

// Certificate pins for `seal --hub`, `reseal --hub` and `keys pin`. The hub serves each cluster's
// sealing certificate as the spoke sent it, so a compromised hub (or a forged Hello) could serve a
// certificate of its own and read what is sealed to it. The fleet repository, reviewed in Git, says
// which key each cluster really has: `spec.sealingCertificateFingerprint` of its Cluster. The CLI
// reads it from the user's own checkout, never from the hub.

export const PIN_ERRORS = {
  /** The hub served a certificate whose fingerprint differs from the cluster's pin. */
  mismatch: "SEAL_CERT_PIN_MISMATCH",
  /** `keys pin` names a cluster the fleet repository does not declare (or declares as an Argo CD Secret). */
  noClusterFile: "PIN_CLUSTER_NOT_FOUND",
  /** `--fleet-repo` is not a fleet repository (no clusters/ directory). */
  noRepo: "PIN_NO_FLEET_REPO",
} as const;

/** Where clusters live in the fleet repository (the hub's default `clustersPath`). */
const CLUSTERS_DIR = "clusters";
const CLUSTER_FILE = /\.(ya?ml|json)$/iu;
const FIELD = "spec.sealingCertificateFingerprint";

/** One cluster as the fleet repository declares it, with its pin if any. */
export interface ClusterPin {
  readonly cluster: string;
  /** Relative to the repository. */
  readonly file: string;
  readonly fingerprint: string | undefined;
  /** Declared by an Argo CD cluster Secret, which has no field to hold a pin. */
  readonly argoSecret: boolean;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * The fleet repository to read pins from: `--fleet-repo`, else $FLOTILLA_FLEET_REPO, else the Git
 * work tree around the current directory if it has a clusters/ directory (as `git` finds its repo).
 */
export async function findFleetRepo(ctx: CliContext, flag: string | undefined): Promise<string | undefined> {
  const given = flag ?? ctx.env.FLOTILLA_FLEET_REPO;
  if (given !== undefined && given !== "") {
    const dir = resolvePath(ctx, given);
    if (!(await isDir(join(dir, CLUSTERS_DIR)))) {
      throw new FlotillaError(PIN_ERRORS.noRepo, `not a fleet repository: ${CLUSTERS_DIR}/ not found`, { file: given, field: "--fleet-repo" });
    }
    return dir;
  }
  for (let dir = resolvePath(ctx, "."); ; dir = dirname(dir)) {
    if ((await stat(join(dir, ".git")).catch(() => undefined)) !== undefined) return (await isDir(join(dir, CLUSTERS_DIR))) ? dir : undefined;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Every cluster the repository's clusters/ directory declares, by name. */
export async function readClusterPins(repo: string): Promise<Map<string, ClusterPin>> {
  const pins = new Map<string, ClusterPin>();
  const dir = join(repo, CLUSTERS_DIR);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries.filter((e) => e.isFile() && CLUSTER_FILE.test(e.name)).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(entry.parentPath, entry.name);
    const file = relative(repo, path);
    for (const doc of parseAllDocuments(await readFile(path, "utf8"))) {
      if (doc.errors.length > 0) throw new FlotillaError("INVALID_YAML", doc.errors[0]?.message ?? "does not parse", { file });
      const value: unknown = doc.toJS();
      if (typeof value !== "object" || value === null || Array.isArray(value) || !isClusterObject(value as Record<string, unknown>)) continue;
      const cluster = clusterFromObject(value as Record<string, unknown>, file);
      pins.set(cluster.name, { cluster: cluster.name, file, fingerprint: cluster.sealingCertificateFingerprint, argoSecret: isArgoClusterSecret(value as Record<string, unknown>) });
    }
  }
  return pins;
}

/** Checks certificates served by the hub against the repository's pins. */
export class PinCheck {
  readonly #ctx: CliContext;
  readonly #state: Promise<{ repo: string | undefined; pins: Map<string, ClusterPin> }>;
  readonly #warned = new Set<string>();

  /** `fleetRepo` is the --fleet-repo flag; the repository is found and read on the first check. */
  constructor(ctx: CliContext, fleetRepo: string | undefined) {
    this.#ctx = ctx;
    this.#state = findFleetRepo(ctx, fleetRepo).then(async (repo) => ({ repo, pins: repo === undefined ? new Map<string, ClusterPin>() : await readClusterPins(repo) }));
    // Reported by check(); a command that never asks the hub for a certificate must not crash on it.
    this.#state.catch(() => undefined);
  }

  /** Refuses a certificate whose fingerprint differs from the pin; warns (once) when a cluster has none. */
  async check(cluster: string, certificate: SealingCertificate, hubUrl: string): Promise<void> {
    const { repo, pins } = await this.#state;
    const pin = pins.get(cluster);
    if (pin?.fingerprint !== undefined && pin.fingerprint !== "") {
      if (pin.fingerprint === certificate.fingerprint) return;
      throw new FlotillaError(
        PIN_ERRORS.mismatch,
        `the hub at ${hubUrl} serves certificate ${certificate.fingerprint} for cluster "${cluster}", but the fleet repository pins ${pin.fingerprint}; ` +
          `nothing was sealed. If the cluster rotated its key, check the new fingerprint on the cluster and pin it with \`flotilla keys pin --cluster ${cluster} --cert FILE\``,
        { file: pin.file, field: FIELD },
      );
    }
    if (this.#warned.has(cluster)) return;
    this.#warned.add(cluster);
    const why =
      repo === undefined
        ? "no fleet repository found (--fleet-repo or $FLOTILLA_FLEET_REPO)"
        : pin === undefined
          ? `the fleet repository declares no Cluster "${cluster}"`
          : `${pin.file} has no ${FIELD}`;
    this.#ctx.stderr.write(`warning: cluster "${cluster}": trusting the hub's certificate ${certificate.fingerprint} unchecked: ${why} (pin it with \`flotilla keys pin\`)\n`);
  }
}

/**
 * Writes `spec.sealingCertificateFingerprint` for each cluster into its file in the repository,
 * keeping comments and the other documents; all files change together or none does.
 */
export async function writeClusterPins(ctx: CliContext, repo: string, wanted: ReadonlyMap<string, string>): Promise<ClusterPin[]> {
  const pins = await readClusterPins(repo);
  const byFile = new Map<string, Map<string, string>>();
  for (const [cluster, fingerprint] of wanted) {
    const pin = pins.get(cluster);
    if (pin === undefined || pin.argoSecret) {
      const why = pin === undefined ? `no Cluster "${cluster}" in ${CLUSTERS_DIR}/` : `cluster "${cluster}" is an Argo CD cluster Secret, which has no pin field; declare it as a flotilla.dev Cluster`;
      throw new FlotillaError(PIN_ERRORS.noClusterFile, why, { file: pin?.file ?? CLUSTERS_DIR, field: "--cluster" });
    }
    byFile.set(pin.file, (byFile.get(pin.file) ?? new Map<string, string>()).set(cluster, fingerprint));
  }
  const replacements = [];
  const changed: ClusterPin[] = [];
  for (const [file, clusters] of byFile) {
    const original = await readFile(join(repo, file), "utf8");
    const text = file.toLowerCase().endsWith(".json") ? pinJson(original, clusters, file) : pinYaml(original, clusters);
    if (text !== original) replacements.push({ path: join(repo, file), text, original });
    for (const [cluster, fingerprint] of clusters) changed.push({ cluster, file, fingerprint, argoSecret: false });
  }
  await replaceFilesAtomically(ctx, replacements);
  return changed;
}

function clusterName(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value) || !isClusterObject(value as Record<string, unknown>)) return undefined;
  return (value as { metadata?: { name?: unknown } }).metadata?.name as string | undefined;
}

function pinYaml(text: string, clusters: ReadonlyMap<string, string>): string {
  const docs = parseAllDocuments(text);
  for (const doc of docs) {
    const fingerprint = clusters.get(clusterName(doc.toJS()) ?? "");
    if (fingerprint !== undefined) doc.setIn(["spec", "sealingCertificateFingerprint"], fingerprint);
  }
  return docs.map((d) => d.toString()).join("");
}

function pinJson(text: string, clusters: ReadonlyMap<string, string>, file: string): string {
  let value: { spec?: Record<string, unknown> };
  try {
    value = JSON.parse(text) as typeof value;
  } catch (err) {
    throw new FlotillaError("INVALID_JSON", errorMessage(err), { file });
  }
  const fingerprint = clusters.get(clusterName(value) ?? "");
  if (fingerprint === undefined) return text;
  value.spec = { ...(value.spec ?? {}), sealingCertificateFingerprint: fingerprint };
  return `${JSON.stringify(value, null, 2)}\n`;
}
