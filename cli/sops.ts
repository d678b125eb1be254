import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { FlotillaError } from "../core/index.js";
import {
  SopsResolvedKeyRing,
  decryptSopsText,
  rotateSopsText,
  updateSopsKeys,
  type SopsKeyRing,
} from "../crypto/open.js";
import {
  awsKmsClientFactory,
  creationRuleFor,
  emitPlainAs,
  encryptSopsText,
  extractValue,
  formatForPath,
  isSopsFormat,
  parseExtractPath,
  parseSopsConfig,
  type CryptRules,
  type KeySpec,
  type SopsCreationRule,
  type SopsFormat,
} from "../crypto/sops/index.js";
import { collect } from "./flag-collectors.js";
import type { CliContext, CommandRegistrar } from "./context.js";

interface KeyFlags {
  ageKeyFile?: string[];
  pgpKeyFile?: string[];
  kmsEndpoint?: string;
  ignoreMac?: boolean;
}

interface IoFlags {
  inputType?: string;
  outputType?: string;
}


function formatFlag(value: string | undefined, flag: string, fallback: SopsFormat): SopsFormat {
  if (value === undefined) return fallback;
  if (!isSopsFormat(value)) {
    throw new FlotillaError("INVALID_FLAG", `unknown format "${value}" (use yaml, json, dotenv, ini or binary)`, { field: flag });
  }
  return value;
}

async function readUserFile(ctx: CliContext, path: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(ctx.cwd, path), "utf8");
  } catch {
    throw new FlotillaError("FILE_NOT_READABLE", `cannot read ${what}`, { file: path });
  }
}

const isSshKey = (text: string): boolean => /-----BEGIN (OPENSSH|RSA) PRIVATE KEY-----/.test(text);

/**
 * Keys as sops finds them: --age-key-file, SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,
 * SOPS_AGE_SSH_PRIVATE_KEY_FILE and the default $XDG_CONFIG_HOME/sops/age/keys.txt; PGP keys
 * from --pgp-key-file (we have no GnuPG keyring); KMS through the AWS SDK credential chain.
 */
async function loadKeyRing(ctx: CliContext, flags: KeyFlags): Promise<SopsKeyRing> {
  const age: string[] = [];
  const ssh: string[] = [];
  const add = (text: string): void => {
    (isSshKey(text) ? ssh : age).push(text);
  };
  for (const f of flags.ageKeyFile ?? []) add(await readUserFile(ctx, f, "the age key file"));
  const env = ctx.env;
  if (env.SOPS_AGE_KEY !== undefined && env.SOPS_AGE_KEY !== "") add(env.SOPS_AGE_KEY);
  if (env.SOPS_AGE_KEY_FILE !== undefined && env.SOPS_AGE_KEY_FILE !== "") add(await readUserFile(ctx, env.SOPS_AGE_KEY_FILE, "SOPS_AGE_KEY_FILE"));
  if (env.SOPS_AGE_SSH_PRIVATE_KEY_FILE !== undefined && env.SOPS_AGE_SSH_PRIVATE_KEY_FILE !== "") {
    ssh.push(await readUserFile(ctx, env.SOPS_AGE_SSH_PRIVATE_KEY_FILE, "SOPS_AGE_SSH_PRIVATE_KEY_FILE"));
  }
  const configHome = env.XDG_CONFIG_HOME ?? (env.HOME === undefined ? undefined : join(env.HOME, ".config"));
  if (configHome !== undefined) {
    const defaultKeys = join(configHome, "sops", "age", "keys.txt");
    if (existsSync(defaultKeys)) add(await readUserFile(ctx, defaultKeys, "the default age key file"));
  }
  const pgp: string[] = [];
  for (const f of flags.pgpKeyFile ?? []) pgp.push(await readUserFile(ctx, f, "the PGP key file"));
  const endpoint = flags.kmsEndpoint ?? env.AWS_ENDPOINT_URL_KMS ?? env.AWS_ENDPOINT_URL;
  return {
    ageIdentities: age,
    sshPrivateKeys: ssh,
    pgpKeys: pgp,
    kms: awsKmsClientFactory({
      endpoint: endpoint === "" ? undefined : endpoint,
      stsEndpoint: env.AWS_ENDPOINT_URL_STS === "" ? undefined : (env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL),
    }),
  };
}

function addKeyFlags(cmd: Command): Command {
  return cmd
    .option("--age-key-file <file>", "age identity file or OpenSSH private key (repeatable)", collect)
    .option("--pgp-key-file <file>", "armored PGP key file (repeatable)", collect)
    .option("--kms-endpoint <url>", "AWS KMS endpoint URL (default: AWS_ENDPOINT_URL_KMS or the AWS default)");
}

async function writeResult(ctx: CliContext, file: string, text: string, inPlace: boolean): Promise<void> {
  if (!inPlace) {
    ctx.stdout.write(text);
    return;
  }
  const path = resolve(ctx.cwd, file);
  const { mode } = await stat(path);
  await writeFile(path, text, { mode });
}

/** Finds .sops.yaml from the working directory upwards, as sops does. */
async function findCreationRule(ctx: CliContext, file: string, configFlag: string | undefined): Promise<SopsCreationRule | undefined> {
  let configPath: string | undefined;
  if (configFlag !== undefined) configPath = resolve(ctx.cwd, configFlag);
  else {
    for (let dir = resolve(ctx.cwd); ; dir = dirname(dir)) {
      for (const name of [".sops.yaml", ".sops.yml"]) {
        if (existsSync(join(dir, name))) configPath = join(dir, name);
      }
      if (configPath !== undefined || dirname(dir) === dir) break;
    }
  }
  if (configPath === undefined) return undefined;
  const rules = parseSopsConfig(await readUserFile(ctx, configPath, "the sops config"));
  return creationRuleFor(rules, relative(dirname(configPath), resolve(ctx.cwd, file)));
}

function parseContext(spec: string | undefined): Record<string, string> | undefined {
  if (spec === undefined || spec === "") return undefined;
  const out: Record<string, string> = {};
  for (const pair of spec.split(",")) {
    const at = pair.indexOf(":");
    if (at <= 0) throw new FlotillaError("INVALID_FLAG", "encryption context must look like key:value,key2:value2", { field: "--encryption-context" });
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

interface EncryptFlags extends KeyFlags, IoFlags {
  age?: string;
  pgp?: string;
  kms?: string;
  awsProfile?: string;
  encryptionContext?: string;
  encryptedRegex?: string;
  unencryptedRegex?: string;
  encryptedSuffix?: string;
  unencryptedSuffix?: string;
  encryptedCommentRegex?: string;
  unencryptedCommentRegex?: string;
  macOnlyEncrypted?: boolean;
  shamirSecretSharingThreshold?: string;
  inPlace?: boolean;
  config?: string;
}

function keySpecsFromFlags(flags: EncryptFlags): KeySpec[] {
  const list = (v: string | undefined): string[] => (v ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  const context = parseContext(flags.encryptionContext);
  return [
    ...list(flags.kms).map((arn): KeySpec => {
      const at = arn.indexOf("+arn:");
      return { type: "kms", arn: at === -1 ? arn : arn.slice(0, at), role: at === -1 ? undefined : arn.slice(at + 1), context, awsProfile: flags.awsProfile };
    }),
    ...list(flags.pgp).map((fp): KeySpec => ({ type: "pgp", fp })),
    ...list(flags.age).map((recipient): KeySpec => ({ type: "age", recipient })),
  ];
}

function rulesFromFlags(flags: EncryptFlags): CryptRules {
  return {
    encryptedRegex: flags.encryptedRegex,
    unencryptedRegex: flags.unencryptedRegex,
    encryptedSuffix: flags.encryptedSuffix,
    unencryptedSuffix: flags.unencryptedSuffix,
    encryptedCommentRegex: flags.encryptedCommentRegex,
    unencryptedCommentRegex: flags.unencryptedCommentRegex,
    macOnlyEncrypted: flags.macOnlyEncrypted === true ? true : undefined,
  };
}

const random = (n: number): Uint8Array => randomBytes(n);

export const registerSops: CommandRegistrar = (program, ctx) => {
  const sops = program.command("sops").description("encrypt and decrypt SOPS files (compatible with the sops CLI)");

  addKeyFlags(sops.command("decrypt <file>"))
    .description("print the decrypted file in its format")
    .option("--input-type <type>", "yaml, json, dotenv, ini or binary (default: from the file extension)")
    .option("--output-type <type>", "format to print (default: the input type)")
    .option("--extract <path>", 'print only this value, e.g. \'["data"]["password"]\'')
    .option("--ignore-mac", "do not fail when the MAC does not match (values are still authenticated)")
    .action(async (file: string, flags: KeyFlags & IoFlags & { extract?: string }) => {
      const inputType = formatFlag(flags.inputType, "--input-type", formatForPath(file));
      const outputType = formatFlag(flags.outputType, "--output-type", inputType);
      const text = await readUserFile(ctx, file, "the input file");
      const keys = await SopsResolvedKeyRing.from(await loadKeyRing(ctx, flags));
      const result = await decryptSopsText(text, { format: inputType, keys, ignoreMac: flags.ignoreMac === true, file, logger: ctx.logger() });
      if (flags.extract !== undefined) {
        const value = extractValue(result.data, parseExtractPath(flags.extract));
        ctx.stdout.write(typeof value === "string" ? value : emitPlainAs(outputType === "yaml" || outputType === "json" ? outputType : "json", value));
        return;
      }
      ctx.stdout.write(outputType === inputType ? result.text : emitPlainAs(outputType, result.data));
    });

  addKeyFlags(sops.command("encrypt <file>"))
    .description("encrypt a plaintext file; keys from flags or .sops.yaml creation rules")
    .option("--age <recipients>", "comma-separated age recipients (age1…, ssh-ed25519 …, ssh-rsa …)")
    .option("--pgp <fingerprints>", "comma-separated PGP fingerprints (public keys from --pgp-key-file)")
    .option("--kms <arns>", "comma-separated AWS KMS key ARNs (ARN+ROLE_ARN to assume a role)")
    .option("--aws-profile <profile>", "AWS profile recorded with the KMS keys")
    .option("--encryption-context <pairs>", "KMS encryption context, key:value,key2:value2")
    .option("--encrypted-regex <re>", "encrypt only values whose key path matches")
    .option("--unencrypted-regex <re>", "leave values whose key path matches in clear")
    .option("--encrypted-suffix <s>", "encrypt only values under keys with this suffix")
    .option("--unencrypted-suffix <s>", "leave values under keys with this suffix in clear (default _unencrypted)")
    .option("--encrypted-comment-regex <re>", "encrypt only values after a matching comment")
    .option("--unencrypted-comment-regex <re>", "leave values after a matching comment in clear")
    .option("--mac-only-encrypted", "compute the MAC over encrypted values only")
    .option("--shamir-secret-sharing-threshold <n>", "key groups needed to decrypt")
    .option("--input-type <type>", "yaml, json, dotenv, ini or binary (default: from the file extension)")
    .option("--output-type <type>", "format to write (default: the input type)")
    .option("--config <file>", "path to .sops.yaml (default: searched upwards from the working directory)")
    .option("-i, --in-place", "write the result back to the file")
    .action(async (file: string, flags: EncryptFlags) => {
      const format = formatFlag(flags.inputType, "--input-type", formatForPath(file));
      const text = await readUserFile(ctx, file, "the input file");
      const fromFlags = keySpecsFromFlags(flags);
      const rule = fromFlags.length === 0 ? await findCreationRule(ctx, file, flags.config) : undefined;
      if (fromFlags.length === 0 && rule === undefined) {
        throw new FlotillaError("SOPS_INVALID_REQUEST", "no keys given: use --age, --pgp or --kms, or a .sops.yaml creation rule that matches", { file });
      }
      const flagRules = rulesFromFlags(flags);
      const hasFlagRules = Object.values(flagRules).some((v) => v !== undefined);
      const threshold = flags.shamirSecretSharingThreshold === undefined ? undefined : Number.parseInt(flags.shamirSecretSharingThreshold, 10);
      const keys = await SopsResolvedKeyRing.from(await loadKeyRing(ctx, flags));
      const out = await encryptSopsText(text, {
        format,
        keyGroups: fromFlags.length > 0 ? [fromFlags] : (rule?.keyGroups ?? []),
        shamirThreshold: threshold ?? rule?.shamirThreshold,
        rules: hasFlagRules ? flagRules : (rule?.rules ?? {}),
        keys,
        random,
        clock: ctx.clock,
        file,
      });
      await writeResult(ctx, file, out, flags.inPlace === true);
    });

  addKeyFlags(sops.command("rotate <file>"))
    .description("re-encrypt the file with a new data key for the same keys")
    .option("--input-type <type>", "yaml, json, dotenv, ini or binary (default: from the file extension)")
    .option("-i, --in-place", "write the result back to the file")
    .option("--ignore-mac", "do not fail when the MAC does not match")
    .action(async (file: string, flags: KeyFlags & IoFlags & { inPlace?: boolean }) => {
      const format = formatFlag(flags.inputType, "--input-type", formatForPath(file));
      const text = await readUserFile(ctx, file, "the input file");
      const keys = await SopsResolvedKeyRing.from(await loadKeyRing(ctx, flags));
      const out = await rotateSopsText(text, { format, keys, random, clock: ctx.clock, ignoreMac: flags.ignoreMac === true, file });
      await writeResult(ctx, file, out, flags.inPlace === true);
    });

  addKeyFlags(sops.command("updatekeys <file>"))
    .description("re-wrap the data key for the keys of the matching .sops.yaml creation rule (in place)")
    .option("--input-type <type>", "yaml, json, dotenv, ini or binary (default: from the file extension)")
    .option("--config <file>", "path to .sops.yaml (default: searched upwards from the working directory)")
    .option("-y, --yes", "accepted for sops compatibility (flotilla never prompts)")
    .action(async (file: string, flags: KeyFlags & IoFlags & { config?: string }) => {
      const format = formatFlag(flags.inputType, "--input-type", formatForPath(file));
      const text = await readUserFile(ctx, file, "the input file");
      const rule = await findCreationRule(ctx, file, flags.config);
      if (rule === undefined) throw new FlotillaError("SOPS_INVALID_REQUEST", "no .sops.yaml creation rule matches this file", { file });
      const keys = await SopsResolvedKeyRing.from(await loadKeyRing(ctx, flags));
      const out = await updateSopsKeys(text, {
        format,
        keys,
        keyGroups: rule.keyGroups,
        shamirThreshold: rule.shamirThreshold,
        random,
        clock: ctx.clock,
        file,
      });
      if (out.changed) await writeResult(ctx, file, out.text, true);
      ctx.stderr.write(out.changed ? `${file}: keys updated\n` : `${file}: already up to date\n`);
    });
};
