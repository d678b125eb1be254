import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { FlotillaError } from "../core/index.js";
import {
  formatManifest,
  mergeSealedSecrets,
  parseManifests,
  parseOutputFormat,
  parseScope,
  sealFleetSecret,
  sealRawValue,
  sealSecret,
  type FleetTarget,
  type SealedSecretManifest,
  type SealingCertificate,
  type SecretManifest,
} from "../crypto/seal.js";
import { parseSealedSecret } from "../crds/index.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { HubCertificates } from "./hub-certs.js";
import { DEFAULT_HUB_URL, hubUrlFrom } from "./hub-url.js";
import { runReseal } from "./reseal.js";
import { collect, collectList } from "./flag-collectors.js";
import { emit, loadCertificate, outputFormatFor, readInput, readInputFile, readStream, resolvePath, systemRandom, writeFileAtomic } from "./sealed-io.js";
import { runUnseal } from "./unseal.js";
import { ControllerSealing } from "./controller-sealing.js";

interface SealFlags {
  cert: string[];
  scope?: string;
  format?: string;
  secretFile?: string;
  sealedSecretFile?: string;
  raw?: boolean;
  name?: string;
  namespace?: string;
  fromFile: string[];
  mergeInto?: string;
  allowEmptyData?: boolean;
  fleet?: boolean;
  recovery?: string;
  recoveryUnseal?: boolean;
  recoveryPrivateKey: string[];
  reEncrypt?: boolean;
  hub?: string;
  selector?: string;
  cluster: string[];
  fleetRepo?: string;
  fetchCert?: boolean;
  validate?: boolean;
  controllerName: string;
  controllerNamespace: string;
  kubeconfig?: string;
  context?: string;
}

function usage(message: string, field: string): FlotillaError {
  return new FlotillaError("INVALID_FLAG", message, { field });
}

function secretsFrom(text: string, name: string): SecretManifest[] {
  const docs = parseManifests(text, name);
  if (docs.length === 0) throw new FlotillaError("SEALED_EMPTY_INPUT", "no secrets found. Ensure the input is valid and UTF-8 encoded", { file: name });
  return docs as unknown as SecretManifest[];
}

/** The hub to take certificates from: with --hub, --selector or --cluster (URL from --hub or $FLOTILLA_HUB). */
function hubFor(ctx: CliContext, flags: SealFlags): HubCertificates | undefined {
  if (flags.hub === undefined && flags.selector === undefined && flags.cluster.length === 0) return undefined;
  if (flags.selector === undefined && flags.cluster.length === 0) throw usage("--hub needs --selector k=v[,k2=v2] or --cluster NAME to say which clusters", "--selector");
  if (flags.selector?.trim() === "") throw usage("--selector is empty; give a label selector such as env=prod", "--selector");
  return new HubCertificates(ctx, hubUrlFrom(flags.hub, ctx), flags.fleetRepo);
}

function describeTargets(targets: readonly FleetTarget[], hub: HubCertificates): string {
  return `sealing for ${targets.map((t) => `${t.cluster} (${t.certificate.fingerprint})`).join(", ")} from the hub at ${hub.url}\n`;
}

/** The one certificate of a plain seal: --cert FILE|URL, or --cluster NAME's from the hub. */
async function singleCertificate(ctx: CliContext, flags: SealFlags): Promise<SealingCertificate> {
  const hub = hubFor(ctx, flags);
  if (hub === undefined) {
    // As kubeseal: no --cert means the controller's certificate, fetched through the API server.
    if (flags.cert.length === 0) return new ControllerSealing(ctx, flags).certificate(ctx.clock.now());
    if (flags.cert.length !== 1) throw usage("give exactly one --cert, or --cluster NAME with --hub (use --fleet for several clusters)", "--cert");
    return loadCertificate(ctx, flags.cert[0]);
  }
  if (flags.selector !== undefined) throw usage("--selector needs --fleet; a SealedSecret is for one cluster (--cluster NAME)", "--selector");
  if (flags.cluster.length !== 1) throw usage("give exactly one --cluster (use --fleet for several clusters)", "--cluster");
  if (flags.cert.length > 0) throw usage("give either --cert or --cluster, not both", "--cert");
  const [target] = await hub.targets({ clusters: flags.cluster });
  ctx.stderr.write(describeTargets([target], hub));
  return target.certificate;
}

async function sealOne(ctx: CliContext, flags: SealFlags): Promise<void> {
  const scope = flags.scope === undefined ? undefined : parseScope(flags.scope);
  const certificate = await singleCertificate(ctx, flags);
  const format = outputFormatFor(flags.format ?? "json", flags.sealedSecretFile);
  if (flags.raw === true) {
    if (flags.fromFile.length !== 1) throw usage("--raw needs exactly one --from-file", "--from-file");
    const spec = flags.fromFile[0];
    const path = spec.includes("=") ? spec.slice(spec.indexOf("=") + 1) : spec;
    const value = path === "/dev/stdin" || path === "-" ? Buffer.from(await readStream(ctx.stdin)) : await readFile(resolvePath(ctx, path));
    const sealed = sealRawValue({ certificate, random: systemRandom, scope: scope ?? "strict", name: flags.name, namespace: flags.namespace, value });
    await emit(ctx, sealed, flags.sealedSecretFile);
    return;
  }
  if (flags.fromFile.length > 0) throw usage("--from-file requires --raw", "--from-file");
  const input = await readInput(ctx, flags.secretFile);
  const secrets = secretsFrom(input.text, input.name);
  const options = { certificate, random: systemRandom, scope, namespace: flags.namespace, allowEmptyData: flags.allowEmptyData, file: input.name };
  if (flags.mergeInto !== undefined) {
    const original = await readInputFile(ctx, flags.mergeInto, "--merge-into file");
    const [orig] = parseManifests(original, flags.mergeInto);
    const base = parseSealedSecret(orig, flags.mergeInto) as SealedSecretManifest;
    const mergeFormat = original.trimStart().startsWith("{") ? "json" : "yaml";
    let merged = base;
    for (const secret of secrets) {
      // As kubeseal: the file's name and namespace win over the input Secret's.
      const retargeted = { ...secret, metadata: { ...secret.metadata, name: base.metadata.name, namespace: base.metadata.namespace } };
      const update = sealSecret(retargeted, { ...options, namespace: undefined });
      merged = mergeSealedSecrets(merged, update);
    }
    await writeFileAtomic(ctx, flags.mergeInto, formatManifest(merged, flags.format === undefined ? mergeFormat : parseOutputFormat(flags.format)));
    return;
  }
  const out = secrets.map((secret) => formatManifest(sealSecret(secret, { ...options, name: flags.name }), format)).join("");
  await emit(ctx, out, flags.sealedSecretFile);
}

async function sealFleet(ctx: CliContext, flags: SealFlags): Promise<void> {
  const hub = hubFor(ctx, flags);
  if (flags.cert.length === 0 && hub === undefined) throw usage("--fleet needs one --cert CLUSTER=FILE per cluster, or --hub URL with --selector or --cluster", "--cert");
  const targets: FleetTarget[] = [];
  for (const spec of flags.cert) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw usage(`--cert "${spec}" must be CLUSTER=FILE with --fleet`, "--cert");
    targets.push({ cluster: spec.slice(0, eq), certificate: await loadCertificate(ctx, spec.slice(eq + 1)) });
  }
  if (hub !== undefined) {
    // A cluster given with --cert keeps that certificate (e.g. one whose spoke has not connected yet).
    const fromHub = await hub.targets({ selector: flags.selector, clusters: flags.cluster, skip: new Set(targets.map((t) => t.cluster)) });
    if (fromHub.length > 0) ctx.stderr.write(describeTargets(fromHub, hub));
    targets.push(...fromHub);
  }
  const input = await readInput(ctx, flags.secretFile);
  const format = outputFormatFor(flags.format ?? "json", flags.sealedSecretFile);
  const scope = flags.scope === undefined ? undefined : parseScope(flags.scope);
  const out: string[] = [];
  for (const secret of secretsFrom(input.text, input.name)) {
    const fss = await sealFleetSecret(secret, {
      targets,
      random: systemRandom,
      recoveryRecipient: flags.recovery,
      scope,
      name: flags.name,
      namespace: flags.namespace,
      allowEmptyData: flags.allowEmptyData,
      file: input.name,
    });
    out.push(formatManifest(fss, format));
  }
  await emit(ctx, out.join(""), flags.sealedSecretFile);
}

export const registerSeal: CommandRegistrar = (program: Command, ctx: CliContext) => {
  program
    .command("seal")
    .description("seal a Secret (stdin or -f) into a SealedSecret, kubeseal-compatible; --fleet for many clusters")
    .option("--cert <file|url|CLUSTER=FILE>", "certificate / public key to seal with (repeat with --fleet)", collect, [])
    .option("--scope <scope>", "strict, namespace-wide or cluster-wide (default: what the Secret's annotations say)")
    .option("-o, --format <format>", "output format: json or yaml (default json; --merge-into keeps the file's)")
    .option("-f, --secret-file <file>", "Secret (input) file; default stdin")
    .option("-w, --sealed-secret-file <file>", "SealedSecret (output) file; default stdout")
    .option("--raw", "seal one raw value given with --from-file (prints the base64 ciphertext)")
    .option("--name <name>", "name of the sealed secret (required with --raw in strict scope)")
    .option("-n, --namespace <namespace>", "namespace of the sealed secret (required with --raw unless cluster-wide)")
    .option("--from-file <[key=]file>", "with --raw: the file holding the value (/dev/stdin for a pipe)", collect, [])
    .option("--merge-into <file>", "add or replace items in an existing SealedSecret file, in place")
    .option("--allow-empty-data", "allow a Secret without data")
    .option("--fleet", "write a FleetSealedSecret for every --cert CLUSTER=FILE and every cluster taken from the hub")
    .option("--hub <url>", `hub URL to take certificates from, for --selector/--cluster (default $FLOTILLA_HUB or ${DEFAULT_HUB_URL})`)
    .option("--selector <k=v[,k2=v2]>", "with --fleet: every cluster the hub lists for this label selector (k=v, k!=v, k)")
    .option("--cluster <name>", "the hub's current certificate of this cluster (repeat with --fleet)", collect, [])
    .option("--fleet-repo <dir>", "check each certificate from the hub against spec.sealingCertificateFingerprint of the cluster's file here (default $FLOTILLA_FLEET_REPO, else the Git work tree around the current directory)")
    .option("--recovery <age-recipient>", "with --fleet: also encrypt the items to this offline age recipient")
    .option("--recovery-unseal", "decrypt a SealedSecret from stdin with --recovery-private-key (same as `flotilla unseal`)")
    .option("--recovery-private-key <files>", "private key files (PEM or key Secret / List); comma-separated or repeated", collectList, [])
    .option("--re-encrypt", "re-encrypt a SealedSecret (stdin or -f) with the cluster's newest key, server side (kubeseal); offline to --cert with --recovery-private-key")
    .option("--fetch-cert", "write the controller's certificate to stdout (use it later with --cert)")
    .option("--validate", "check that the SealedSecrets (stdin or -f) can be decrypted by the cluster")
    .option("--controller-name <name>", "name of the sealed-secrets controller's Service", "sealed-secrets-controller")
    .option("--controller-namespace <ns>", "namespace of the sealed-secrets controller", "kube-system")
    .option("--kubeconfig <file>", "kubeconfig for --fetch-cert, --validate, --re-encrypt and sealing without --cert (default $KUBECONFIG, ~/.kube/config)")
    .option("--context <name>", "kubeconfig context to use")
    .action(async (flags: SealFlags) => {
      if (flags.fetchCert === true) {
        ctx.stdout.write(await new ControllerSealing(ctx, flags).fetchCertificate());
      } else if (flags.validate === true) {
        const input = await readInput(ctx, flags.secretFile);
        await new ControllerSealing(ctx, flags).validate(input.text, input.name);
      } else if (flags.reEncrypt === true && flags.recoveryPrivateKey.length === 0 && flags.cert.length === 0 && hubFor(ctx, flags) === undefined) {
        const input = await readInput(ctx, flags.secretFile);
        const format = outputFormatFor(flags.format ?? "json", flags.sealedSecretFile);
        await emit(ctx, await new ControllerSealing(ctx, flags).reEncrypt(input.text, input.name, format), flags.sealedSecretFile);
      } else if (flags.recoveryUnseal === true) {
        await runUnseal(ctx, { recoveryPrivateKey: flags.recoveryPrivateKey, format: flags.format ?? "json", file: flags.secretFile, output: flags.sealedSecretFile, identity: undefined, cluster: undefined });
      } else if (flags.reEncrypt === true) {
        if (flags.cert.length !== 1 && hubFor(ctx, flags) === undefined) throw usage("--re-encrypt needs exactly one --cert, or --hub URL with --cluster NAME", "--cert");
        await runReseal(ctx, {
          cert: flags.cert,
          hub: flags.hub,
          fleetRepo: flags.fleetRepo,
          cluster: flags.cluster,
          recoveryPrivateKey: flags.recoveryPrivateKey,
          files: [],
          stdinFile: flags.secretFile,
          output: flags.sealedSecretFile,
          format: flags.format,
        });
      } else if (flags.fleet === true) {
        await sealFleet(ctx, flags);
      } else {
        if (flags.recovery !== undefined) throw usage("--recovery needs --fleet", "--recovery");
        await sealOne(ctx, flags);
      }
    });
};
