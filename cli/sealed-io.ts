import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
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
