import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Command } from "commander";
import { FlotillaError } from "../core/index.js";
import { SopsResolvedKeyRing, decryptSopsText, rotateSopsText, updateSopsKeys } from "../crypto/open.js";
import {
  creationRuleFor,
  emitPlainAs,
  encryptSopsText,
  extractValue,
  formatForPath,
  parseExtractPath,
  parseSopsConfig,
  type CryptRules,
  type KeySpec,
  type SopsCreationRule,
} from "../crypto/sops/index.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { addKeyFlags, formatFlag, loadKeyRing, readUserFile, writeResult, type IoFlags, type KeyFlags } from "./sops-keys.js";
import { registerSopsEdit, sopsEdit, type EditFlags } from "./sops-edit.js";
import { registerSopsExec } from "./sops-exec.js";

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

interface DecryptFlags extends KeyFlags, IoFlags {
  extract?: string;
  inPlace?: boolean;
  output?: string;
}

async function decrypt(ctx: CliContext, file: string, flags: DecryptFlags): Promise<void> {
  const inputType = formatFlag(flags.inputType, "--input-type", formatForPath(file));
  const outputType = formatFlag(flags.outputType, "--output-type", inputType);
  const text = await readUserFile(ctx, file, "the input file");
  const keys = await SopsResolvedKeyRing.from(await loadKeyRing(ctx, flags));
  const result = await decryptSopsText(text, { format: inputType, keys, ignoreMac: flags.ignoreMac === true, file, logger: ctx.logger() });
  let out: string;
  if (flags.extract !== undefined) {
    const value = extractValue(result.data, parseExtractPath(flags.extract));
    out = typeof value === "string" ? value : emitPlainAs(outputType === "yaml" || outputType === "json" ? outputType : "json", value);
  } else {
    out = outputType === inputType ? result.text : emitPlainAs(outputType, result.data);
  }
  await writeResult(ctx, file, out, { inPlace: flags.inPlace, output: flags.output });
}

async function encrypt(ctx: CliContext, file: string, flags: EncryptFlags & { output?: string }): Promise<void> {
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
  await writeResult(ctx, file, out, { inPlace: flags.inPlace, output: flags.output });
}

async function rotate(ctx: CliContext, file: string, flags: KeyFlags & IoFlags & { inPlace?: boolean; output?: string }): Promise<void> {
  const format = formatFlag(flags.inputType, "--input-type", formatForPath(file));
  const text = await readUserFile(ctx, file, "the input file");
  const keys = await SopsResolvedKeyRing.from(await loadKeyRing(ctx, flags));
  const out = await rotateSopsText(text, { format, keys, random, clock: ctx.clock, ignoreMac: flags.ignoreMac === true, file });
  await writeResult(ctx, file, out, { inPlace: flags.inPlace, output: flags.output });
}

const INPUT_TYPE = "yaml, json, dotenv, ini or binary (default: from the file extension)";
const OUTPUT = "write the result to this file (mode 0600) instead of stdout";

function addDecryptFlags(cmd: Command): Command {
  return cmd
    .option("--extract <path>", 'print only this value, e.g. \'["data"]["password"]\'')
    .option("--ignore-mac", "do not fail when the MAC does not match (values are still authenticated)");
}

function addEncryptFlags(cmd: Command): Command {
  return cmd
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
    .option("--config <file>", "path to .sops.yaml (default: searched upwards from the working directory)");
}

type RootFlags = DecryptFlags & EncryptFlags & EditFlags & { decrypt?: boolean; encrypt?: boolean; rotate?: boolean };

/** `flotilla sops [-d|-e|-r] FILE`: the sops CLI's flag form; a file alone opens it in $EDITOR. */
async function rootForm(ctx: CliContext, file: string | undefined, flags: RootFlags): Promise<void> {
  const modes = (["decrypt", "encrypt", "rotate"] as const).filter((m) => flags[m] === true);
  if (modes.length > 1) throw new FlotillaError("INVALID_FLAG", `--${modes.join(" and --")} cannot be used together`, { field: `--${modes[1] ?? ""}` });
  if (file === undefined) throw new FlotillaError("INVALID_FLAG", "a file is required (or a command: decrypt, encrypt, edit, set, unset, rotate, updatekeys, exec-env, exec-file)", { field: "FILE" });
  if (modes[0] === "decrypt") return decrypt(ctx, file, flags);
  if (modes[0] === "encrypt") return encrypt(ctx, file, flags);
  if (modes[0] === "rotate") return rotate(ctx, file, flags);
  if (flags.inPlace === true || flags.output !== undefined) {
    throw new FlotillaError("INVALID_FLAG", "--in-place and --output go with -d, -e or -r; a file alone is edited in place", { field: flags.output === undefined ? "--in-place" : "--output" });
  }
  return sopsEdit(ctx, file, flags);
}

/**
 * The flags of the sops form itself (`sops -d FILE`), parsed on their own: declared on the `sops`
 * command, commander would take them from the subcommands too (`sops encrypt -i`).
 */
function rootFormCommand(): Command {
  const root = new Command("sops")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .argument("[file]")
    .option("-d, --decrypt")
    .option("-e, --encrypt")
    .option("-r, --rotate")
    .option("-i, --in-place")
    .option("--output <file>")
    .option("--input-type <type>")
    .option("--output-type <type>");
  return addEncryptFlags(addDecryptFlags(addKeyFlags(root)));
}

const ROOT_FORM_HELP = `
The sops CLI's own form also works, with the flags of the commands below:
  flotilla sops -d [--output FILE] [-i] [--extract PATH] FILE   decrypt
  flotilla sops -e [--output FILE] [-i] --age RECIPIENTS FILE   encrypt
  flotilla sops -r [-i] FILE                                     rotate
  flotilla sops FILE                                             edit in $SOPS_EDITOR or $EDITOR
`;

export const registerSops: CommandRegistrar = (program, ctx) => {
  const sops = program
    .command("sops")
    .description("encrypt, decrypt and edit SOPS files, with the sops CLI's commands and flags (sops -d FILE, sops FILE opens $EDITOR)")
    .argument("[args...]", "the sops form: [-d|-e|-r] [flags] FILE")
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText("after", ROOT_FORM_HELP)
    .action(async (args: string[]) => {
      const form = rootFormCommand();
      form.parse(args, { from: "user" });
      await rootForm(ctx, form.args[0], form.opts<RootFlags>());
    });

  addDecryptFlags(addKeyFlags(sops.command("decrypt <file>")))
    .description("print the decrypted file in its format")
    .option("--input-type <type>", INPUT_TYPE)
    .option("--output-type <type>", "format to print (default: the input type)")
    .option("-i, --in-place", "write the plaintext back to the file")
    .option("--output <file>", OUTPUT)
    .action(async (file: string, flags: DecryptFlags) => {
      await decrypt(ctx, file, flags);
    });

  addEncryptFlags(addKeyFlags(sops.command("encrypt <file>")))
    .description("encrypt a plaintext file; keys from flags or .sops.yaml creation rules")
    .option("--input-type <type>", INPUT_TYPE)
    .option("--output-type <type>", "format to write (default: the input type)")
    .option("-i, --in-place", "write the result back to the file")
    .option("--output <file>", OUTPUT)
    .action(async (file: string, flags: EncryptFlags & { output?: string }) => {
      await encrypt(ctx, file, flags);
    });

  registerSopsEdit(sops, ctx);

  addKeyFlags(sops.command("rotate <file>"))
    .description("re-encrypt the file with a new data key for the same keys")
    .option("--input-type <type>", INPUT_TYPE)
    .option("-i, --in-place", "write the result back to the file")
    .option("--output <file>", OUTPUT)
    .option("--ignore-mac", "do not fail when the MAC does not match")
    .action(async (file: string, flags: KeyFlags & IoFlags & { inPlace?: boolean; output?: string }) => {
      await rotate(ctx, file, flags);
    });

  addKeyFlags(sops.command("updatekeys <file>"))
    .description("re-wrap the data key for the keys of the matching .sops.yaml creation rule (in place)")
    .option("--input-type <type>", INPUT_TYPE)
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
      if (out.changed) await writeResult(ctx, file, out.text, { inPlace: true });
      ctx.stderr.write(out.changed ? `${file}: keys updated\n` : `${file}: already up to date\n`);
    });

  registerSopsExec(sops, ctx);
};
