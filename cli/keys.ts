import type { Command } from "commander";
import { stringify } from "yaml";
import { FlotillaError, silentLogger } from "../core/index.js";
import { parseFleetSealedSecret, parseSealedSecret } from "../crds/index.js";
import {
  backupKeys,
  fleetEntryWhich,
  generateSealingKey,
  parsePrivateKeys,
  restoreKeys,
  sealingKeyList,
  sealingKeySecret,
  whichKeys,
  type KeyRing,
} from "../crypto/open.js";
import {
  formatManifest,
  parseManifests,
  parseOutputFormat,
  parseSealingCertificate,
  SEALED_BY_ANNOTATION,
  type FleetSealedSecretManifest,
  type SealedSecretManifest,
} from "../crypto/seal.js";
import { KeyCustody } from "../spoke/index.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { collect, collectList } from "./flag-collectors.js";
import { emit, loadKeyRing, readInput, readInputFile, systemRandom, writeFileAtomic } from "./sealed-io.js";
import { kubeClientFor } from "./spoke.js";
import { registerKeysPin } from "./keys-pin.js";
import { addAgeKeygenCommand } from "./age-keygen.js";
import { DEFAULT_HUB_URL, hubClientFor, hubUrlFrom } from "./hub-url.js";

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function bitsOf(value: string): number {
  const bits = Number(value);
  if (!Number.isInteger(bits) || bits < 2048 || bits > 8192) throw new FlotillaError("INVALID_FLAG", "--bits must be an integer from 2048 to 8192", { field: "--bits" });
  return bits;
}

async function generate(ctx: CliContext, opts: { namespace: string; bits: string; certOut?: string; output?: string; format: string }): Promise<void> {
  const generated = await generateSealingKey({ clock: ctx.clock, random: systemRandom, bits: bitsOf(opts.bits) });
  if (opts.certOut !== undefined) await writeFileAtomic(ctx, opts.certOut, generated.certificatePem);
  const secret = sealingKeySecret(generated.key, { namespace: opts.namespace, creationTimestamp: rfc3339(ctx.clock.now()) });
  await emit(ctx, formatManifest(secret, parseOutputFormat(opts.format)), opts.output);
  ctx.stderr.write(`generated sealing key ${generated.fingerprint}\n`);
}

interface RotateFlags {
  file?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  bits: string;
  certOut?: string;
  outputFile?: string;
}

/** `keys rotate`: in a key List file (-f) or in the cluster (--kubeconfig), exactly one. */
async function rotate(ctx: CliContext, opts: RotateFlags): Promise<void> {
  if ((opts.file === undefined) === (opts.kubeconfig === undefined)) {
    throw new FlotillaError("INVALID_FLAG", "give exactly one of -f FILE (a key List) or --kubeconfig FILE (rotate in the cluster)", {
      field: opts.file === undefined ? "--kubeconfig" : "--file",
    });
  }
  if (opts.file !== undefined) {
    if (opts.context !== undefined) throw new FlotillaError("INVALID_FLAG", "--context goes with --kubeconfig", { field: "--context" });
    await rotateFile(ctx, { file: opts.file, namespace: opts.namespace ?? "kube-system", bits: opts.bits, certOut: opts.certOut, output: opts.outputFile });
    return;
  }
  if (opts.outputFile !== undefined) throw new FlotillaError("INVALID_FLAG", "-w goes with -f; with --kubeconfig the new key is created in the cluster", { field: "--output-file" });
  await rotateInCluster(ctx, { kubeconfig: opts.kubeconfig ?? "", context: opts.context, namespace: opts.namespace ?? "flotilla-system", bits: opts.bits, certOut: opts.certOut });
}

/**
 * In-cluster rotation: a new key Secret beside the others, written the way the spoke writes its own
 * (KeyCustody); the running spoke picks it up within its check interval and re-publishes its cert.
 */
async function rotateInCluster(ctx: CliContext, opts: { kubeconfig: string; context?: string | undefined; namespace: string; bits: string; certOut?: string | undefined }): Promise<void> {
  const bits = bitsOf(opts.bits);
  const logger = silentLogger();
  const client = kubeClientFor(opts.kubeconfig, { fieldManager: "flotilla", qps: 50, burst: 100, context: opts.context }, ctx, logger);
  const custody = new KeyCustody({ client, namespace: opts.namespace, clock: ctx.clock, random: systemRandom, logger, keyBits: bits });
  const { generated, kept } = await custody.rotate();
  if (opts.certOut !== undefined) await writeFileAtomic(ctx, opts.certOut, generated.certificatePem);
  ctx.stderr.write(`new sealing key ${generated.fingerprint} in ${opts.namespace}; ${String(kept)} older key(s) kept for opening\n`);
}

async function rotateFile(ctx: CliContext, opts: { file: string; namespace: string; bits: string; certOut?: string | undefined; output?: string | undefined }): Promise<void> {
  const text = await readInputFile(ctx, opts.file, "key list");
  const existing = parsePrivateKeys(text, { file: opts.file });
  const generated = await generateSealingKey({ clock: ctx.clock, random: systemRandom, bits: bitsOf(opts.bits) });
  // Existing key Secrets are kept exactly as they were; the new one is appended.
  const keptItems = parseManifests(text, opts.file).filter((doc) => doc.kind === "Secret");
  const newSecret = sealingKeySecret(generated.key, { namespace: opts.namespace, creationTimestamp: rfc3339(ctx.clock.now()) });
  const list = keptItems.length === existing.length ? { apiVersion: "v1", kind: "List", items: [...keptItems, newSecret], metadata: { resourceVersion: "" } } : sealingKeyList([...existing, generated.key], { namespace: opts.namespace });
  await writeFileAtomic(ctx, opts.output ?? opts.file, stringify(list, { lineWidth: 0 }));
  if (opts.certOut !== undefined) await writeFileAtomic(ctx, opts.certOut, generated.certificatePem);
  ctx.stderr.write(`new sealing key ${generated.fingerprint}; ${existing.length} older key(s) kept for opening\n`);
}

interface BackupFlags {
  recipient: string[];
  recipientsFile?: string;
  file?: string;
  namespace: string;
  outputFile?: string;
  hub?: string;
  cluster?: string;
}

/** `keys backup`: encrypt keys to recipients (-f/stdin), or fetch the backup a cluster's spoke gave the hub (--cluster). */
async function backup(ctx: CliContext, opts: BackupFlags): Promise<void> {
  if (opts.cluster === undefined) {
    if (opts.hub !== undefined) throw new FlotillaError("INVALID_FLAG", "--hub needs --cluster NAME", { field: "--cluster" });
    await backupFile(ctx, { ...opts, output: opts.outputFile });
    return;
  }
  if (opts.recipient.length > 0 || opts.recipientsFile !== undefined || opts.file !== undefined) {
    throw new FlotillaError("INVALID_FLAG", "--cluster fetches the backup the hub keeps; it takes no -r, -R or -f", { field: "--cluster" });
  }
  await backupFromHub(ctx, { hub: hubUrlFrom(opts.hub, ctx), cluster: opts.cluster, output: opts.outputFile });
}

/** The age-armored backup a spoke (`--recovery-recipient`) sent in its Hello; the hub never had the plaintext. */
async function backupFromHub(ctx: CliContext, opts: { hub: string; cluster: string; output?: string | undefined }): Promise<void> {
  const client = hubClientFor(opts.hub, ctx);
  const got = await client.clusterKeyBackup(opts.cluster);
  if ("missing" in got) {
    if (got.missing === "KEY_BACKUP_NOT_FOUND") throw new FlotillaError("KEY_BACKUP_NOT_FOUND", got.message, { field: "--cluster" });
    throw new FlotillaError("CLUSTER_NOT_FOUND", `the hub knows no cluster "${opts.cluster}"`, { field: "--cluster" });
  }
  if (!got.armored.startsWith("-----BEGIN AGE ENCRYPTED FILE-----")) {
    throw new FlotillaError("HUB_BAD_RESPONSE", `${client.url} did not answer with an armored age file; is this a Flotilla hub?`, { field: "--hub" });
  }
  await emit(ctx, got.armored, opts.output);
  ctx.stderr.write(`key backup of cluster ${opts.cluster}${got.receivedAt === undefined ? "" : ` (sent ${got.receivedAt})`}; open it with flotilla keys restore --identity FILE\n`);
}

async function backupFile(ctx: CliContext, opts: { recipient: string[]; recipientsFile?: string | undefined; file?: string | undefined; output?: string | undefined; namespace: string }): Promise<void> {
  const recipients = [...opts.recipient];
  if (opts.recipientsFile !== undefined) {
    const text = await readInputFile(ctx, opts.recipientsFile, "recipients file");
    recipients.push(...text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#")));
  }
  const input = await readInput(ctx, opts.file);
  const keys = parsePrivateKeys(input.text, { file: input.name });
  await emit(ctx, await backupKeys(keys, recipients, { namespace: opts.namespace }), opts.output);
  ctx.stderr.write(`backed up ${keys.length} key(s) to ${recipients.length} recipient(s)\n`);
}

async function restore(ctx: CliContext, opts: { identity?: string; file?: string; output?: string }): Promise<void> {
  if (opts.identity === undefined) throw new FlotillaError("INVALID_FLAG", "give the age identity file with --identity", { field: "--identity" });
  const identities = await readInputFile(ctx, opts.identity, "age identity file");
  const input = await readInput(ctx, opts.file);
  const restored = await restoreKeys(input.text, identities, { file: input.name });
  await emit(ctx, restored.listYaml, opts.output);
  ctx.stderr.write(`restored ${restored.keys.length} key(s): ${restored.keys.map((k) => k.fingerprint).join(", ")}\n`);
}

async function fingerprint(ctx: CliContext, files: string[]): Promise<void> {
  if (files.length === 0) throw new FlotillaError("INVALID_FLAG", "give at least one certificate or key file", { field: "files" });
  for (const file of files) {
    const text = await readInputFile(ctx, file, "certificate or key file");
    const prints = /PRIVATE KEY-----|tls\.key/.test(text) ? parsePrivateKeys(text, { file }).map((k) => k.fingerprint) : [parseSealingCertificate(text, { file }).fingerprint];
    for (const print of prints) ctx.stdout.write(`${print}  ${file}\n`);
  }
}

interface WhichRow {
  file: string;
  kind: string;
  name: string;
  entry: string;
  item: string;
  key: string | null;
  source: "trial" | "annotation";
}

/** Which key sealed what: by trial with the given keys, else from Flotilla's sealed-by annotation. */
async function which(ctx: CliContext, files: string[], opts: { recoveryPrivateKey: string[]; format: string }): Promise<void> {
  if (files.length === 0) throw new FlotillaError("INVALID_FLAG", "give at least one SealedSecret file", { field: "files" });
  const ring: KeyRing | undefined = opts.recoveryPrivateKey.length > 0 ? await loadKeyRing(ctx, opts.recoveryPrivateKey) : undefined;
  const rows: WhichRow[] = [];
  for (const file of files) {
    for (const doc of parseManifests(await readInputFile(ctx, file, "sealed file"), file)) {
      const name = `${String((doc.metadata as { namespace?: string } | undefined)?.namespace ?? "")}/${String((doc.metadata as { name?: string } | undefined)?.name ?? "")}`;
      if (doc.kind === "FleetSealedSecret") {
        const fss = parseFleetSealedSecret(doc, file) as FleetSealedSecretManifest;
        for (const entry of fss.spec.clusters) {
          const found = ring === undefined ? undefined : fleetEntryWhich(fss, entry.cluster, ring, file);
          for (const item of Object.keys(entry.encryptedData).sort()) {
            rows.push({ file, kind: "FleetSealedSecret", name, entry: entry.cluster, item, key: found?.[item] ?? entry.keyFingerprint, source: found === undefined ? "annotation" : "trial" });
          }
        }
        continue;
      }
      const sealed = parseSealedSecret(doc, file) as SealedSecretManifest;
      const found = ring === undefined ? undefined : whichKeys(sealed, ring, file);
      const annotated = sealed.metadata.annotations?.[SEALED_BY_ANNOTATION] ?? null;
      for (const item of Object.keys(sealed.spec.encryptedData).sort()) {
        rows.push({ file, kind: "SealedSecret", name, entry: "", item, key: found === undefined ? annotated : (found[item] ?? null), source: found === undefined ? "annotation" : "trial" });
      }
    }
  }
  if (opts.format === "json") {
    ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  for (const row of rows) {
    const where = row.entry === "" ? row.name : `${row.name}@${row.entry}`;
    ctx.stdout.write(`${row.file}\t${where}\t${row.item}\t${row.key ?? (row.source === "trial" ? "no key opens it" : "unknown (pass --recovery-private-key)")}\n`);
  }
}

export const registerKeys: CommandRegistrar = (program: Command, ctx: CliContext) => {
  const keys = program.command("keys").description("sealing keys: generate, rotate, backup, restore, fingerprint, which, pin; age-keygen for recovery and SOPS age keys");
  keys
    .command("generate")
    .description("generate a controller-compatible sealing key (RSA-4096, 10-year self-signed cert) as a TLS Secret")
    .option("-n, --namespace <ns>", "namespace of the key Secret", "kube-system")
    .option("--bits <bits>", "RSA key size", "4096")
    .option("--cert-out <file>", "also write the certificate (for `flotilla seal --cert`)")
    .option("-w, --output-file <file>", "write the key Secret here instead of stdout")
    .option("-o, --format <format>", "yaml or json", "yaml")
    .action(async (opts: { namespace: string; bits: string; certOut?: string; outputFile?: string; format: string }) => {
      await generate(ctx, { ...opts, output: opts.outputFile });
    });
  keys
    .command("rotate")
    .description("add a new sealing key, in a key List file (-f) or in the cluster (--kubeconfig); the newest key seals, every key keeps opening")
    .option("-f, --file <file>", "the key List (kubectl get secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml)")
    .option("--kubeconfig <file>", "rotate in this cluster: create a new key Secret beside the spoke's keys")
    .option("--context <name>", "kubeconfig context (with --kubeconfig)")
    .option("-n, --namespace <ns>", "namespace of the key Secrets (default kube-system with -f, flotilla-system with --kubeconfig)")
    .option("--bits <bits>", "RSA key size", "4096")
    .option("--cert-out <file>", "write the new certificate here")
    .option("-w, --output-file <file>", "with -f: write the new List here (default: replace --file)")
    .action(async (opts: RotateFlags) => {
      await rotate(ctx, opts);
    });
  keys
    .command("backup")
    .description("encrypt the sealing keys (stdin or -f) to age recipients, armored; or fetch a cluster's backup from the hub (--cluster)")
    .option("-r, --recipient <age1...>", "an age recipient (repeat for several)", collect, [])
    .option("-R, --recipients-file <file>", "a file of age recipients, one per line")
    .option("-f, --file <file>", "the key Secret / List / PEM file; default stdin")
    .option("-n, --namespace <ns>", "namespace recorded in the key Secrets", "kube-system")
    .option("--cluster <name>", "fetch the backup this cluster's spoke (--recovery-recipient) gave the hub")
    .option("--hub <url>", `hub URL, with --cluster (default $FLOTILLA_HUB or ${DEFAULT_HUB_URL})`)
    .option("-w, --output-file <file>", "write the backup here instead of stdout")
    .action(async (opts: BackupFlags) => {
      await backup(ctx, opts);
    });
  keys
    .command("restore")
    .description("decrypt a key backup with an age identity; prints the key List for kubectl apply")
    .option("-i, --identity <file>", "the age identity file")
    .option("-f, --file <file>", "the backup; default stdin")
    .option("-w, --output-file <file>", "write the key List here instead of stdout")
    .action(async (opts: { identity?: string; file?: string; outputFile?: string }) => {
      await restore(ctx, { ...opts, output: opts.outputFile });
    });
  keys
    .command("fingerprint")
    .description("print the SHA256 fingerprint of certificates, keys or key Secrets")
    .argument("<files...>")
    .action(async (files: string[]) => {
      await fingerprint(ctx, files);
    });
  keys
    .command("which")
    .description("which key sealed each item (by trial with --recovery-private-key, else from the sealed-by annotation)")
    .argument("<files...>")
    .option("--recovery-private-key <files>", "private keys to try", collectList, [])
    .option("-o, --format <format>", "text or json", "text")
    .action(async (files: string[], opts: { recoveryPrivateKey: string[]; format: string }) => {
      await which(ctx, files, opts);
    });
  registerKeysPin(keys, ctx);
  addAgeKeygenCommand(keys, ctx, "age-keygen");
};
