import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { FlotillaError, errorMessage } from "../core/index.js";
import { SopsResolvedKeyRing, decryptSopsText } from "../crypto/open.js";
import { emitPlainAs, formatForPath } from "../crypto/sops/index.js";
import type { CliContext } from "./context.js";
import { addKeyFlags, formatFlag, loadKeyRing, readUserFile, type IoFlags, type KeyFlags } from "./sops-keys.js";

// sops exec-env and exec-file: run a command with the decrypted values, never writing them where
// another user can read them. The command runs through /bin/sh -c, as sops runs it.

interface ExecFlags extends KeyFlags, IoFlags {
  background?: boolean;
  pristine?: boolean;
  user?: string;
  sameProcess?: boolean;
  fifo?: boolean;
  filename?: string;
}

async function decrypted(ctx: CliContext, file: string, flags: ExecFlags): Promise<{ data: unknown; text: string; format: ReturnType<typeof formatForPath> }> {
  if (flags.user !== undefined) throw new FlotillaError("INVALID_FLAG", "--user is not supported: run flotilla as that user", { field: "--user" });
  const format = formatFlag(flags.inputType, "--input-type", formatForPath(file));
  const text = await readUserFile(ctx, file, "the input file");
  const keys = await SopsResolvedKeyRing.from(await loadKeyRing(ctx, flags));
  const result = await decryptSopsText(text, { format, keys, ignoreMac: flags.ignoreMac === true, file, logger: ctx.logger() });
  return { data: result.data, text: result.text, format };
}

function run(ctx: CliContext, command: string, env: Record<string, string>, background: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], { env, stdio: background ? "ignore" : "inherit", detached: background });
    child.once("error", (err) => {
      reject(new FlotillaError("SOPS_EXEC_FAILED", `cannot run /bin/sh: ${errorMessage(err)}`));
    });
    if (background) {
      child.unref();
      resolve();
      return;
    }
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new FlotillaError("SOPS_EXEC_FAILED", `the command exited with ${signal ?? `code ${String(code)}`}`));
    });
  });
}

function baseEnv(ctx: CliContext, pristine: boolean): Record<string, string> {
  if (pristine) return {};
  return Object.fromEntries(Object.entries(ctx.env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The decrypted top-level values as sops passes them (its dotenv form: KEY=value lines). */
export function execEnvValues(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of emitPlainAs("dotenv", data).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

export function registerSopsExec(sops: Command, ctx: CliContext): void {
  addKeyFlags(sops.command("exec-env <file> <command>"))
    .description("run COMMAND (through /bin/sh -c) with the file's top-level values as environment variables")
    .option("--input-type <type>", "yaml, json, dotenv, ini or binary (default: from the file extension)")
    .option("--background", "start the command and return without waiting")
    .option("--pristine", "the command gets only the file's values, not this environment")
    .option("--same-process", "accepted for sops compatibility: the command always runs as a child process")
    .option("--user <user>", "not supported (run flotilla as that user)")
    .option("--ignore-mac", "do not fail when the MAC does not match")
    .action(async (file: string, command: string, flags: ExecFlags) => {
      const { data } = await decrypted(ctx, file, flags);
      await run(ctx, command, { ...baseEnv(ctx, flags.pristine === true), ...execEnvValues(data) }, flags.background === true);
    });

  addKeyFlags(sops.command("exec-file <file> <command>"))
    .description("run COMMAND (through /bin/sh -c) with {} replaced by the path of a private temp file holding the decrypted file")
    .option("--input-type <type>", "yaml, json, dotenv, ini or binary (default: from the file extension)")
    .option("--output-type <type>", "format of the temp file (default: the input type)")
    .option("--filename <name>", "name of the temp file (default: tmp-file…)")
    .option("--no-fifo", "accepted for sops compatibility: the plaintext is always a regular file, mode 0600 in a private directory, removed afterwards")
    .option("--background", "not supported: the file is removed when the command ends")
    .option("--pristine", "the command gets an empty environment")
    .option("--user <user>", "not supported (run flotilla as that user)")
    .option("--ignore-mac", "do not fail when the MAC does not match")
    .action(async (file: string, command: string, flags: ExecFlags) => {
      if (flags.background === true) throw new FlotillaError("INVALID_FLAG", "--background is not supported for exec-file: the plaintext file is removed when the command ends", { field: "--background" });
      if (flags.filename !== undefined && basename(flags.filename) !== flags.filename) {
        throw new FlotillaError("INVALID_FLAG", "--filename is a file name, not a path", { field: "--filename" });
      }
      const { data, text, format } = await decrypted(ctx, file, flags);
      const outputType = formatFlag(flags.outputType, "--output-type", format);
      const dir = await mkdtemp(join(tmpdir(), ".sops"));
      try {
        const path = join(dir, flags.filename ?? `tmp-file${randomBytes(5).toString("hex")}`);
        await writeFile(path, outputType === format ? text : emitPlainAs(outputType, data), { mode: 0o600 });
        await run(ctx, command.replaceAll("{}", path), baseEnv(ctx, flags.pristine === true), false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
}
