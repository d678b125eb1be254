import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../core/index.js";
import type { CliContext } from "./context.js";
import { EXIT, runCli } from "./run-cli.js";

function context(): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = {
    env: {},
    cwd: process.cwd(),
    stdin: Readable.from([]),
    stdout,
    stderr,
    clock: systemClock,
    logger: silentLogger,
    shutdown: new AbortController().signal,
  };
  return { ctx, out: () => out, err: () => err };
}

describe("runCli", () => {
  it("prints a user error as error[CODE] with the field and no stack", async () => {
    const { ctx, err } = context();
    const code = await runCli(["version", "-o", "xml"], ctx);
    expect(code).toBe(EXIT.userError);
    expect(err()).toBe('error[INVALID_FLAG]: --output: unknown output format "xml" (use text or json)\n');
    expect(err()).not.toMatch(/\n\s+at /);
  });

  it("adds the stack only with --debug", async () => {
    const { ctx, err } = context();
    const code = await runCli(["--debug", "version", "-o", "xml"], ctx);
    expect(code).toBe(EXIT.userError);
    expect(err()).toMatch(/^error\[INVALID_FLAG\]/);
    expect(err()).toMatch(/\n\s+at /);
  });

  it("reports usage errors with their own code", async () => {
    const { ctx, err } = context();
    expect(await runCli(["no-such-command"], ctx)).toBe(EXIT.usage);
    expect(err()).toMatch(/^error\[USAGE\]: unknown command 'no-such-command'/);
  });

  it("runs a command and writes to stdout", async () => {
    const { ctx, out } = context();
    expect(await runCli(["version", "-o", "json"], ctx)).toBe(EXIT.ok);
    expect(JSON.parse(out())).toMatchObject({ version: "0.1.0" });
  });
});

describe("commandsFor", () => {
  it("loads only the command being run, skipping global options and their values", async () => {
    const { commandsFor } = await import("./commands.js");
    expect(commandsFor(["--log-level", "debug", "seal", "--cert", "x"]).map((c) => c.name)).toEqual(["seal"]);
    expect(commandsFor(["--debug", "version"]).map((c) => c.name)).toEqual(["version"]);
    expect(commandsFor(["--log-file", "x.jsonl", "seal"]).map((c) => c.name)).toEqual(["seal"]);
    // completion walks the whole command tree, so it gets every command.
    expect(commandsFor(["completion", "bash"]).length).toBe((await import("./commands.js")).COMMANDS.length);
  });

  it("loads every command for help and for unknown names, so both list them all", async () => {
    const { COMMANDS, commandsFor } = await import("./commands.js");
    expect(commandsFor(["--help"])).toBe(COMMANDS);
    expect(commandsFor(["help", "seal"])).toBe(COMMANDS);
    expect(commandsFor(["sael"])).toBe(COMMANDS);
    expect(COMMANDS.length).toBeGreaterThanOrEqual(15);
  });
});
