import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { FlotillaError } from "../core/index.js";
import type { SopsKeyRing } from "../crypto/open.js";
import { awsKmsClientFactory, isSopsFormat, type SopsFormat } from "../crypto/sops/index.js";
import { collect } from "./flag-collectors.js";
import type { CliContext } from "./context.js";

// What every `flotilla sops` form shares: the key flags and where sops finds keys, formats,
// reading the input and writing the result (stdout, --output or in place).

export interface KeyFlags {
  ageKeyFile?: string[];
  pgpKeyFile?: string[];
  kmsEndpoint?: string;
  ignoreMac?: boolean;
}

export interface IoFlags {
  inputType?: string;
  outputType?: string;
}


export function formatFlag(value: string | undefined, flag: string, fallback: SopsFormat): SopsFormat {
  if (value === undefined) return fallback;
  if (!isSopsFormat(value)) {
    throw new FlotillaError("INVALID_FLAG", `unknown format "${value}" (use yaml, json, dotenv, ini or binary)`, { field: flag });
  }
  return value;
}

export async function readUserFile(ctx: CliContext, path: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(ctx.cwd, path), "utf8");
  } catch {
    throw new FlotillaError("FILE_NOT_READABLE", `cannot read ${what}`, { file: path });
  }
}

export const isSshKey = (text: string): boolean => /-----BEGIN (OPENSSH|RSA) PRIVATE KEY-----/.test(text);

/**
 * Keys as sops finds them: --age-key-file, SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,
 * SOPS_AGE_SSH_PRIVATE_KEY_FILE and the default $XDG_CONFIG_HOME/sops/age/keys.txt; PGP keys
 * from --pgp-key-file (we have no GnuPG keyring); KMS through the AWS SDK credential chain.
 */
export async function loadKeyRing(ctx: CliContext, flags: KeyFlags): Promise<SopsKeyRing> {
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

export function addKeyFlags(cmd: Command): Command {
  return cmd
    .option("--age-key-file <file>", "age identity file or OpenSSH private key (repeatable)", collect)
    .option("--pgp-key-file <file>", "armored PGP key file (repeatable)", collect)
    .option("--kms-endpoint <url>", "AWS KMS endpoint URL (default: AWS_ENDPOINT_URL_KMS or the AWS default)");
}

export interface ResultTarget {
  /** -i: replace the input file, keeping its mode. */
  readonly inPlace?: boolean | undefined;
  /** --output: write this file (0600, it may hold plaintext) instead of stdout. */
  readonly output?: string | undefined;
}

/** Where sops puts a result: stdout, `--output FILE` or the input file (`-i`). */
export async function writeResult(ctx: CliContext, file: string, text: string, target: ResultTarget): Promise<void> {
  if (target.inPlace === true && target.output !== undefined) {
    throw new FlotillaError("INVALID_FLAG", "--in-place and --output cannot be used together", { field: "--output" });
  }
  if (target.output !== undefined) {
    await writeFile(resolve(ctx.cwd, target.output), text, { mode: 0o600 });
    return;
  }
  if (target.inPlace !== true) {
    ctx.stdout.write(text);
    return;
  }
  const path = resolve(ctx.cwd, file);
  const { mode } = await stat(path);
  await writeFile(path, text, { mode });
}
