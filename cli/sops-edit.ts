import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, delimiter, join } from "node:path";
import type { Command } from "commander";
import { FlotillaError, errorMessage } from "../core/index.js";
import { SopsResolvedKeyRing, editSopsText } from "../crypto/open.js";
import { formatForPath, parseExtractPath, plainValueAt, setPlainValue, unsetPlainValue, type SopsFormat } from "../crypto/sops/index.js";
import type { CliContext } from "./context.js";
import { addKeyFlags, formatFlag, loadKeyRing, readUserFile, writeResult, type IoFlags, type KeyFlags } from "./sops-keys.js";
import { readStream } from "./sealed-io.js";

// sops edit, set and unset: each changes the plaintext of an encrypted file and writes it back
// encrypted with the same data key (editSopsText), as sops does. The plaintext exists only in
// memory, and for edit in a private temp file that is removed when the editor is done.

export type EditFlags = KeyFlags & IoFlags;

const random = (n: number): Uint8Array => randomBytes(n);

/** `$SOPS_EDITOR`, then `$EDITOR`, split as a shell would split words; else vim, nano or vi from PATH. */
export function editorCommand(env: Readonly<Record<string, string | undefined>>): string[] {
  const configured = [env.SOPS_EDITOR, env.EDITOR].find((e) => e !== undefined && e.trim() !== "");
  if (configured !== undefined) {
    const words = [...configured.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
    return words;
  }
  for (const name of ["vim", "nano", "vi"]) {
    for (const dir of (env.PATH ?? "").split(delimiter)) if (dir !== "" && existsSync(join(dir, name))) return [join(dir, name)];
  }
  throw new FlotillaError("SOPS_NO_EDITOR", "no editor: set SOPS_EDITOR or EDITOR (vim, nano and vi are not on PATH)", { field: "EDITOR" });
}

function runEditor(ctx: CliContext, command: readonly string[], file: string): Promise<void> {
  const [program, ...args] = command;
  return new Promise((resolve, reject) => {
    // The editor talks to the terminal itself: it gets this process's own stdin, stdout and stderr.
    const child = spawn(program ?? "vi", [...args, file], { stdio: "inherit", env: ctx.env });
    child.once("error", (err) => {
      reject(new FlotillaError("SOPS_EDITOR_FAILED", `cannot run the editor ${program ?? ""}: ${errorMessage(err)}`, { field: "EDITOR" }));
    });
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new FlotillaError("SOPS_EDITOR_FAILED", `the editor ${program ?? ""} exited with ${signal ?? `code ${String(code)}`}; the file is unchanged`, { field: "EDITOR" }));
    });
  });
}

/** sops FILE / sops edit FILE: the plaintext in $EDITOR, then encrypted back in place. */
export async function sopsEdit(ctx: CliContext, file: string, flags: EditFlags): Promise<void> {
  const format = formatFlag(flags.inputType, "--input-type", formatForPath(file));
  const text = await readUserFile(ctx, file, "the input file");
  const editor = editorCommand(ctx.env);
  const keys = await SopsResolvedKeyRing.from(await loadKeyRing(ctx, flags));
  const dir = await mkdtemp(join(tmpdir(), ".sops"));
  try {
    const result = await editSopsText(
      text,
      async (plaintext) => {
        const temp = join(dir, basename(file));
        await writeFile(temp, plaintext, { mode: 0o600 });
        await runEditor(ctx, editor, temp);
        return readFile(temp, "utf8");
      },
      { format, keys, random, clock: ctx.clock, ignoreMac: flags.ignoreMac === true, file },
    );
    if (!result.changed) {
      throw new FlotillaError("SOPS_FILE_NOT_MODIFIED", "File has not changed, exiting.", { file });
    }
    await writeResult(ctx, file, result.text, { inPlace: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface SetFlags extends EditFlags {
  valueFile?: boolean;
  valueStdin?: boolean;
  idempotent?: boolean;
}

function parseJsonValue(text: string, field: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The text itself is never echoed: it is the secret being set.
    throw new FlotillaError("INVALID_FLAG", "the value must be JSON (a string is written with its quotes: '\"s3cret\"')", { field });
  }
}

async function sopsSet(ctx: CliContext, file: string, index: string, valueArg: string | undefined, flags: SetFlags): Promise<void> {
  if (flags.valueFile === true && flags.valueStdin === true) throw new FlotillaError("INVALID_FLAG", "--value-file and --value-stdin cannot be used together", { field: "--value-stdin" });
  let valueText: string;
  if (flags.valueStdin === true) {
    if (valueArg !== undefined) throw new FlotillaError("INVALID_FLAG", "with --value-stdin the value comes from stdin, not an argument", { field: "VALUE" });
    valueText = await readStream(ctx.stdin);
  } else {
    if (valueArg === undefined) throw new FlotillaError("INVALID_FLAG", "a value is required (or --value-stdin)", { field: "VALUE" });
    valueText = flags.valueFile === true ? await readUserFile(ctx, valueArg, "the value file") : valueArg;
  }
  const value = parseJsonValue(valueText, flags.valueFile === true ? "--value-file" : flags.valueStdin === true ? "--value-stdin" : "VALUE");
  const path = parseExtractPath(index);
  await changeInPlace(ctx, file, flags, (plaintext, format) => {
    if (flags.idempotent === true) {
      const now = plainValueAt(plaintext, format, path);
      if (now.found && JSON.stringify(now.value) === JSON.stringify(value)) return plaintext;
    }
    return setPlainValue(plaintext, format, path, value);
  });
}

async function sopsUnset(ctx: CliContext, file: string, index: string, flags: EditFlags & { idempotent?: boolean }): Promise<void> {
  const path = parseExtractPath(index);
  await changeInPlace(ctx, file, flags, (plaintext, format) => {
    if (flags.idempotent === true && !plainValueAt(plaintext, format, path).found) return plaintext;
    return unsetPlainValue(plaintext, format, path);
  });
}

async function changeInPlace(ctx: CliContext, file: string, flags: EditFlags, change: (plaintext: string, format: SopsFormat) => string): Promise<void> {
  const format = formatFlag(flags.inputType, "--input-type", formatForPath(file));
  const text = await readUserFile(ctx, file, "the input file");
  const keys = await SopsResolvedKeyRing.from(await loadKeyRing(ctx, flags));
  const result = await editSopsText(text, (plaintext) => change(plaintext, format), { format, keys, random, clock: ctx.clock, ignoreMac: flags.ignoreMac === true, file });
  if (result.changed) await writeResult(ctx, file, result.text, { inPlace: true });
}

export function registerSopsEdit(sops: Command, ctx: CliContext): void {
  addKeyFlags(sops.command("edit <file>"))
    .description("open the decrypted file in $SOPS_EDITOR or $EDITOR, then encrypt it back in place (same data key)")
    .option("--input-type <type>", "yaml, json, dotenv, ini or binary (default: from the file extension)")
    .option("--ignore-mac", "do not fail when the MAC does not match")
    .action(async (file: string, flags: EditFlags) => {
      await sopsEdit(ctx, file, flags);
    });

  addKeyFlags(sops.command("set <file> <index> [value]"))
    .description('set one value in place: sops set FILE \'["data"]["password"]\' \'"new"\' (VALUE is JSON)')
    .option("--input-type <type>", "yaml, json or dotenv (default: from the file extension)")
    .option("--value-file", "VALUE names a file whose content is the JSON value")
    .option("--value-stdin", "read the JSON value from stdin")
    .option("--idempotent", "do nothing (leave the file untouched) if the value is already set")
    .option("--ignore-mac", "do not fail when the MAC does not match")
    .action(async (file: string, index: string, value: string | undefined, flags: SetFlags) => {
      await sopsSet(ctx, file, index, value, flags);
    });

  addKeyFlags(sops.command("unset <file> <index>"))
    .description("remove one value in place: sops unset FILE '[\"data\"][\"old\"]'")
    .option("--input-type <type>", "yaml, json or dotenv (default: from the file extension)")
    .option("--idempotent", "do nothing if the value is not there")
    .option("--ignore-mac", "do not fail when the MAC does not match")
    .action(async (file: string, index: string, flags: EditFlags & { idempotent?: boolean }) => {
      await sopsUnset(ctx, file, index, flags);
    });
}
