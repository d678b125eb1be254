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
  type SealedSecretManifest,
  type SecretManifest,
} from "../crypto/seal.js";
import { parseSealedSecret } from "../crds/index.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { runReseal } from "./reseal.js";
import {
  collect,
  collectList,
  emit,
  loadCertificate,
  outputFormatFor,
  readInput,
  readInputFile,
  readStream,
  resolvePath,
  systemRandom,
  writeFileAtomic,
} from "./sealed-io.js";
import { runUnseal } from "./unseal.js";

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
}

function usage(message: string, field: string): FlotillaError {
  return new FlotillaError("INVALID_FLAG", message, { field });
}

function secretsFrom(text: string, name: string): SecretManifest[] {
  const docs = parseManifests(text, name);
  if (docs.length === 0) throw new FlotillaError("SEALED_EMPTY_INPUT", "no secrets found. Ensure the input is valid and UTF-8 encoded", { file: name });
  return docs as unknown as SecretManifest[];
}

async function sealOne(ctx: CliContext, flags: SealFlags): Promise<void> {
  const scope = flags.scope === undefined ? undefined : parseScope(flags.scope);
  if (flags.cert.length !== 1) throw usage("give exactly one --cert (use --fleet for several clusters)", "--cert");
  const certificate = await loadCertificate(ctx, flags.cert[0]);
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
  if (flags.cert.length === 0) throw usage("--fleet needs one --cert CLUSTER=FILE per cluster", "--cert");
  const targets = [];
  for (const spec of flags.cert) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw usage(`--cert "${spec}" must be CLUSTER=FILE with --fleet`, "--cert");
    targets.push({ cluster: spec.slice(0, eq), certificate: await loadCertificate(ctx, spec.slice(eq + 1)) });
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
    .option("--fleet", "write a FleetSealedSecret for every --cert CLUSTER=FILE")
    .option("--recovery <age-recipient>", "with --fleet: also encrypt the items to this offline age recipient")
    .option("--recovery-unseal", "decrypt a SealedSecret from stdin with --recovery-private-key (same as `flotilla unseal`)")
    .option("--recovery-private-key <files>", "private key files (PEM or key Secret / List); comma-separated or repeated", collectList, [])
    .option("--re-encrypt", "re-encrypt a SealedSecret (stdin or -f) to --cert, using --recovery-private-key, offline")
    .action(async (flags: SealFlags) => {
      if (flags.recoveryUnseal === true) {
        await runUnseal(ctx, { recoveryPrivateKey: flags.recoveryPrivateKey, format: flags.format ?? "json", file: flags.secretFile, output: flags.sealedSecretFile, identity: undefined, cluster: undefined });
      } else if (flags.reEncrypt === true) {
        if (flags.cert.length !== 1) throw usage("--re-encrypt needs exactly one --cert", "--cert");
        await runReseal(ctx, { cert: flags.cert, recoveryPrivateKey: flags.recoveryPrivateKey, files: [], stdinFile: flags.secretFile, output: flags.sealedSecretFile, format: flags.format });
      } else if (flags.fleet === true) {
        await sealFleet(ctx, flags);
      } else {
        if (flags.recovery !== undefined) throw usage("--recovery needs --fleet", "--recovery");
        await sealOne(ctx, flags);
      }
    });
};
