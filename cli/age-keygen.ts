import { open } from "node:fs/promises";
import type { Command } from "commander";
import { generateHybridIdentity, generateX25519Identity, identityToRecipient } from "age-encryption";
import { FlotillaError, errorMessage } from "../core/index.js";
import type { CliContext } from "./context.js";
import { readInput, resolvePath } from "./sealed-io.js";

// `flotilla keys age-keygen`: age-keygen(1)'s flags and output, so a recovery identity or a SOPS
// age key can be made without installing age. Same file format (`# created:`, `# public key:`,
// the identity), same rules: -o never overwrites and creates the file 0600, and when the identity
// does not go to a terminal the recipient is printed on stderr.

interface AgeKeygenFlags {
  output?: string;
  y?: boolean;
  pq?: boolean;
}

/** age-keygen's time format: RFC 3339 to the second. */
function rfc3339Seconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** An identity file as age-keygen writes it. */
export function formatAgeIdentityFile(identity: string, recipient: string, createdMs: number): string {
  return `# created: ${rfc3339Seconds(createdMs)}\n# public key: ${recipient}\n${identity}\n`;
}

/** The recipients of every identity in an identity file (comments and blank lines skipped), one per line. */
export async function recipientsOfIdentityFile(text: string, name: string): Promise<string> {
  const lines: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (!/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(line)) {
      throw new FlotillaError("AGE_IDENTITY_INVALID", `line ${String(index + 1)} is not a native age identity (AGE-SECRET-KEY-1…)`, { file: name });
    }
    try {
      lines.push(await identityToRecipient(line));
    } catch (err) {
      throw new FlotillaError("AGE_IDENTITY_INVALID", `line ${String(index + 1)} is not a valid age identity: ${errorMessage(err).replace(/AGE-SECRET-KEY-\S+/g, "…")}`, { file: name });
    }
  }
  if (lines.length === 0) throw new FlotillaError("AGE_IDENTITY_INVALID", "no identities found in the input", { file: name });
  return `${lines.join("\n")}\n`;
}

/** Creates `path` 0600 and fails if it exists, as age-keygen does (`O_EXCL`). */
async function writeNewFile(ctx: CliContext, path: string, text: string): Promise<void> {
  let handle;
  try {
    handle = await open(resolvePath(ctx, path), "wx", 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EEXIST" ? "the file exists; age-keygen never overwrites an identity" : `cannot create it: ${code ?? errorMessage(err)}`;
    throw new FlotillaError("INVALID_FLAG", why, { file: path, field: "-o" });
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

async function ageKeygen(ctx: CliContext, input: string | undefined, flags: AgeKeygenFlags): Promise<void> {
  if (flags.y === true) {
    if (flags.pq === true) throw new FlotillaError("INVALID_FLAG", "-pq generates a key; it does not go with -y", { field: "-pq" });
    const { text, name } = await readInput(ctx, input);
    const recipients = await recipientsOfIdentityFile(text, name);
    if (flags.output === undefined) ctx.stdout.write(recipients);
    else await writeNewFile(ctx, flags.output, recipients);
    return;
  }
  if (input !== undefined) throw new FlotillaError("INVALID_FLAG", "age-keygen takes an input file only with -y", { field: "INPUT" });
  const identity = flags.pq === true ? await generateHybridIdentity() : await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const file = formatAgeIdentityFile(identity, recipient, ctx.clock.now());
  if (flags.output === undefined) ctx.stdout.write(file);
  else await writeNewFile(ctx, flags.output, file);
  if (flags.output !== undefined || (ctx.stdout as { isTTY?: boolean }).isTTY !== true) ctx.stderr.write(`Public key: ${recipient}\n`);
}

/** Adds `age-keygen` under `parent` (`flotilla keys age-keygen`, `flotilla sops keygen`). */
export function addAgeKeygenCommand(parent: Command, ctx: CliContext, name: string): void {
  parent
    .command(name)
    .description("generate an age identity (age-keygen format), or with -y print the recipients of an identity file")
    .argument("[input]", "with -y: the identity file (default stdin)")
    .option("-o, --output <file>", "write the result to this new file (mode 0600; never overwritten) instead of stdout")
    .option("-y", "convert an identity file to a recipients file")
    .option("--pq", "generate a post-quantum hybrid ML-KEM-768 + X25519 identity (AGE-SECRET-KEY-PQ-1…)")
    .action(async (input: string | undefined, flags: AgeKeygenFlags) => {
      await ageKeygen(ctx, input, flags);
    });
}
