import type { Command } from "commander";
import { FlotillaError } from "../core/index.js";
import { parseFleetSealedSecret, parseSealedSecret } from "../crds/index.js";
import { recoverFleetSealedSecret, unsealFleetSealedSecret, unsealSealedSecret, type KeyRing } from "../crypto/open.js";
import { formatManifest, parseManifests, type FleetSealedSecretManifest, type SealedSecretManifest, type SecretManifest } from "../crypto/seal.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { collectList } from "./flag-collectors.js";
import { emit, loadKeyRing, outputFormatFor, readInput, readInputFile } from "./sealed-io.js";

export interface UnsealFlags {
  readonly recoveryPrivateKey: readonly string[];
  readonly format: string;
  readonly file: string | undefined;
  readonly output: string | undefined;
  /** age identity file: opens a FleetSealedSecret's recovery entry. */
  readonly identity: string | undefined;
  /** Which FleetSealedSecret entry to open (default: the one sealed for a key we hold). */
  readonly cluster: string | undefined;
}

/** kubeseal --recovery-unseal: prints the Secret(s) a SealedSecret / FleetSealedSecret stands for. */
export async function runUnseal(ctx: CliContext, flags: UnsealFlags): Promise<void> {
  const input = await readInput(ctx, flags.file);
  const format = outputFormatFor(flags.format, flags.output);
  const identities = flags.identity === undefined ? undefined : await readInputFile(ctx, flags.identity, "age identity file");
  let ring: KeyRing | undefined;
  const keyRing = async (): Promise<KeyRing> => (ring ??= await loadKeyRing(ctx, flags.recoveryPrivateKey));
  const out: string[] = [];
  const docs = parseManifests(input.text, input.name);
  if (docs.length === 0) throw new FlotillaError("SEALED_EMPTY_INPUT", "no SealedSecret found in the input", { file: input.name });
  for (const doc of docs) {
    let secret: SecretManifest;
    if (doc.kind === "FleetSealedSecret") {
      const fss = parseFleetSealedSecret(doc, input.name) as FleetSealedSecretManifest;
      if (identities !== undefined) secret = await recoverFleetSealedSecret(fss, identities, { file: input.name });
      else {
        const ringNow = await keyRing();
        const cluster = flags.cluster ?? fss.spec.clusters.find((c) => ringNow.has(c.keyFingerprint))?.cluster;
        if (cluster === undefined) {
          throw new FlotillaError(
            "SEALED_FLEET_NO_ENTRY",
            `none of the given keys was used for an entry (entries: ${fss.spec.clusters.map((c) => `${c.cluster}=${c.keyFingerprint}`).join(", ")}); pass --cluster to try one anyway`,
            { file: input.name, field: "spec.clusters" },
          );
        }
        secret = unsealFleetSealedSecret(fss, cluster, ringNow, { file: input.name });
      }
    } else {
      const sealed = parseSealedSecret(doc, input.name) as SealedSecretManifest;
      secret = unsealSealedSecret(sealed, await keyRing(), { file: input.name });
    }
    ctx.logger().debug({ name: secret.metadata.name, namespace: secret.metadata.namespace, items: Object.keys(secret.data ?? {}) }, "unsealed");
    out.push(formatManifest(secret, format));
  }
  await emit(ctx, out.join(""), flags.output);
}

export const registerUnseal: CommandRegistrar = (program: Command, ctx: CliContext) => {
  program
    .command("unseal")
    .description("decrypt a SealedSecret or FleetSealedSecret offline with the controller's private key(s) (disaster recovery)")
    .option("--recovery-private-key <files>", "private key files: PEM (PKCS#1/PKCS#8) or the key Secret List; comma-separated or repeated", collectList, [])
    .option("-f, --file <file>", "SealedSecret (input) file; default stdin")
    .option("-w, --output-file <file>", "write the Secret here instead of stdout")
    .option("-o, --format <format>", "output format: json or yaml", "json")
    .option("--cluster <name>", "FleetSealedSecret: the cluster entry to open (default: the one our keys match)")
    .option("--identity <file>", "FleetSealedSecret: open the recovery entry with this age identity file")
    .action(async (opts: { recoveryPrivateKey: string[]; file?: string; outputFile?: string; format: string; cluster?: string; identity?: string }) => {
      await runUnseal(ctx, {
        recoveryPrivateKey: opts.recoveryPrivateKey,
        format: opts.format,
        file: opts.file,
        output: opts.outputFile,
        identity: opts.identity,
        cluster: opts.cluster,
      });
    });
};
