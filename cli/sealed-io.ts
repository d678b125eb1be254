import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { FlotillaError, errorMessage, type RandomSource } from "../core/index.js";
import { createKeyRing, parsePrivateKeys, type KeyRing } from "../crypto/open.js";
import { parseOutputFormat, parseSealingCertificate, type OutputFormat, type SealingCertificate } from "../crypto/seal.js";
import type { CliContext } from "./context.js";

// Shared I/O of the seal, unseal, reseal and keys commands: files relative to ctx.cwd, stdin,
// atomic writes (a failure never leaves a half-written file), certificates and key files.

/** The OS CSPRNG, as crypto/ expects it injected. */
export const systemRandom: RandomSource = (size) => new Uint8Array(randomBytes(size));

export function resolvePath(ctx: CliContext, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.cwd, path);
}

export async function readInputFile(ctx: CliContext, path: string, what: string): Promise<string> {
  try {
    return await readFile(resolvePath(ctx, path), "utf8");
  } catch (err) {
    throw new FlotillaError("FILE_UNREADABLE", `cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, { file: path });
  }
}

export async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** `-f FILE` or stdin; returns the text and a name for error messages. */
export async function readInput(ctx: CliContext, file: string | undefined): Promise<{ text: string; name: string }> {
  if (file === undefined || file === "-") return { text: await readStream(ctx.stdin), name: "<stdin>" };
  return { text: await readInputFile(ctx, file, "input"), name: file };
}

/** Writes via a temp file and a rename, so a failure never leaves a half-written file behind. */
export async function writeFileAtomic(ctx: CliContext, path: string, text: string): Promise<void> {
  const target = resolvePath(ctx, path);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, target);
}

/** One file of an all-or-nothing write: its new text and the text it had when read. */
export interface FileReplacement {
  readonly path: string;
  readonly text: string;
  readonly original: string;
}

/**
 * Replaces several files as one change: every new text is first written to a temp file beside its
 * target, and only when all of them are on disk are they renamed into place. A failure while
 * staging removes the temp files and changes nothing; a failed rename puts the files already
 * replaced back to their original text. Either way the error names the file that failed.
 */
export async function replaceFilesAtomically(ctx: CliContext, files: readonly FileReplacement[]): Promise<void> {
  const staged: { target: string; temp: string; file: FileReplacement }[] = [];
  const removeTemps = async (): Promise<void> => {
    await Promise.all(staged.map(({ temp }) => rm(temp, { force: true }).catch(() => undefined)));
  };
  for (const file of files) {
    const target = resolvePath(ctx, file.path);
    const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await writeFile(temp, file.text, { mode: 0o600 });
    } catch (err) {
      await removeTemps();
      throw unwritable(file.path, err, "no file was changed");
    }
    staged.push({ target, temp, file });
  }
  const done: typeof staged = [];
  for (const entry of staged) {
    try {
      await rename(entry.temp, entry.target);
      done.push(entry);
    } catch (err) {
      await removeTemps();
      const restored = await Promise.all(done.map(({ file }) => writeFileAtomic(ctx, file.path, file.original).then(() => true, () => false)));
      const lost = done.filter((_, i) => restored[i] !== true).map(({ file }) => file.path);
      throw unwritable(entry.file.path, err, lost.length === 0 ? "the files already written were restored" : `could not restore ${lost.join(", ")}`);
    }
  }
}

function unwritable(file: string, err: unknown, what: string): FlotillaError {
  return new FlotillaError("FILE_UNWRITABLE", `cannot write: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}; ${what}`, { file });
}

/** kubeseal: `-w x.yaml` (or .yml) switches the format to yaml. */
export function outputFormatFor(format: string, outputFile: string | undefined): OutputFormat {
  if (outputFile !== undefined && [".yaml", ".yml"].includes(extname(outputFile))) return "yaml";
  return parseOutputFormat(format);
}

export async function emit(ctx: CliContext, text: string, outputFile: string | undefined): Promise<void> {
  if (outputFile === undefined || outputFile === "-") ctx.stdout.write(text);
  else await writeFileAtomic(ctx, outputFile, text);
}

/** A certificate from a file or an http(s) URL (kubeseal --cert). Expired certificates are refused. */
export async function loadCertificate(ctx: CliContext, source: string): Promise<SealingCertificate> {
  let text: string;
  if (/^https?:\/\//.test(source)) {
    try {
      const response = await fetch(source, { signal: ctx.shutdown });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch (err) {
      throw new FlotillaError("FILE_UNREADABLE", `cannot fetch certificate: ${errorMessage(err)}`, { file: source });
    }
  } else {
    text = await readInputFile(ctx, source, "certificate");
  }
  return parseSealingCertificate(text, { file: source, now: ctx.clock.now() });
}

/** Every --recovery-private-key file (PEM, key Secret or List), as one key ring. */
export async function loadKeyRing(ctx: CliContext, files: readonly string[]): Promise<KeyRing> {
  if (files.length === 0) throw new FlotillaError("INVALID_FLAG", "give the private keys with --recovery-private-key FILE[,FILE...]", { field: "--recovery-private-key" });
  const keys = [];
  for (const file of files) keys.push(...parsePrivateKeys(await readInputFile(ctx, file, "private key file"), { file }));
  return createKeyRing(keys);
}
