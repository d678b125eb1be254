import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { silentLogger, systemClock } from "../../core/index.js";
import type { CliContext } from "../../cli/context.js";
import { EXIT, runCli } from "../../cli/run-cli.js";
import { makeSopsSecret, type SopsSecretFixture } from "../harness/index.js";

// The sops CLI's own forms (`sops -d`, `-e`, `-r`, `--output`, `sops FILE` / `edit` with $EDITOR,
// `set`, `unset`, `exec-env`, `exec-file`) run in-process against files made by makeSopsSecret.

let dir: string;
let secret: SopsSecretFixture;
const PASSWORD = "hunter2-DO-NOT-LEAK";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-sops-forms-"));
  mkdirSync(join(dir, "tmp"));
  secret = await makeSopsSecret({ name: "db", namespace: "prod", stringData: { password: PASSWORD, user: "app" } });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string | undefined> {
  // The temp files of edit and exec-file go under dir/tmp, so the test can see they are gone.
  return { PATH: process.env.PATH, HOME: dir, TMPDIR: join(dir, "tmp"), SOPS_AGE_KEY: secret.identity, ...extra };
}

async function sops(args: string[], options: { env?: Record<string, string | undefined>; stdin?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = {
    env: options.env ?? env(),
    cwd: dir,
    stdin: Readable.from([options.stdin ?? ""]),
    stdout,
    stderr,
    clock: systemClock,
    logger: silentLogger,
    shutdown: new AbortController().signal,
  };
  // os.tmpdir() reads TMPDIR from the real environment.
  const before = process.env.TMPDIR;
  process.env.TMPDIR = join(dir, "tmp");
  try {
    const code = await runCli(["sops", ...args], ctx);
    return { code, out, err };
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

function put(name: string, text: string): string {
  writeFileSync(join(dir, name), text, { mode: 0o600 });
  return name;
}

const read = (name: string): string => readFileSync(join(dir, name), "utf8");
const stringData = (text: string): Record<string, string> => (parse(text) as { stringData: Record<string, string> }).stringData;

describe("flotilla sops, the sops CLI's flag forms", () => {
  it("-d prints what decrypt prints; --output writes a 0600 file instead; --extract picks a value", async () => {
    put("s.yaml", secret.text);
    const long = await sops(["decrypt", "s.yaml"]);
    const short = await sops(["-d", "s.yaml"]);
    expect(short).toEqual(long);
    expect(stringData(short.out)).toEqual(secret.stringData);
    const toFile = await sops(["-d", "--output", "plain.yaml", "s.yaml"]);
    expect(toFile).toEqual({ code: EXIT.ok, out: "", err: "" });
    expect(read("plain.yaml")).toBe(short.out);
    expect(statSync(join(dir, "plain.yaml")).mode & 0o777).toBe(0o600);
    expect((await sops(["-d", "--extract", '["stringData"]["password"]', "s.yaml"])).out).toBe(PASSWORD);
    expect(await sops(["-d", "-e", "s.yaml"])).toMatchObject({ code: EXIT.userError, err: "error[INVALID_FLAG]: --encrypt: --decrypt and --encrypt cannot be used together\n" });
    expect((await sops(["-d", "-i", "--output", "x.yaml", "s.yaml"])).err).toBe("error[INVALID_FLAG]: --output: --in-place and --output cannot be used together\n");
  });

  it("-e with --output and -i, -r -i: each round-trips through -d", async () => {
    put("p.yaml", "apiVersion: v1\nkind: Secret\nstringData:\n  token: abc\n");
    const enc = await sops(["-e", "--age", secret.recipient, "--encrypted-regex", "^stringData$", "--output", "p.enc.yaml", "p.yaml"]);
    expect(enc.code, enc.err).toBe(EXIT.ok);
    expect(read("p.enc.yaml")).toMatch(/token: ENC\[AES256_GCM,/);
    expect(await sops(["-e", "-i", "--age", secret.recipient, "p.yaml"])).toMatchObject({ code: EXIT.ok, out: "" });
    expect(read("p.yaml")).toMatch(/ENC\[AES256_GCM,/);
    const before = read("p.yaml");
    expect((await sops(["-r", "-i", "p.yaml"])).code).toBe(EXIT.ok);
    expect(read("p.yaml")).not.toBe(before);
    expect(stringData((await sops(["-d", "p.yaml"])).out)).toEqual({ token: "abc" });
    expect(stringData((await sops(["-d", "p.enc.yaml"])).out)).toEqual({ token: "abc" });
  });
});

describe("flotilla sops FILE / edit: $EDITOR on a private plaintext copy", () => {
  it("encrypts the edited file back in place with the same data key, and removes the plaintext copy", async () => {
    put("e.yaml", secret.text);
    put("editor.sh", `#!/bin/sh\nsed -i 's/user: app/user: admin/' "$1"\n`);
    const editor = `sh ${join(dir, "editor.sh")}`;
    const r = await sops(["e.yaml"], { env: env({ EDITOR: editor }) });
    expect(r, r.err).toEqual({ code: EXIT.ok, out: "", err: "" });
    const after = read("e.yaml");
    expect(stringData((await sops(["-d", "e.yaml"])).out)).toEqual({ password: PASSWORD, user: "admin" });
    // Same data key: the age stanza that wraps it is unchanged; lastmodified and the MAC are new.
    const md = (t: string): { age: { enc: string }[]; lastmodified: string; mac: string } => (parse(t) as { sops: { age: { enc: string }[]; lastmodified: string; mac: string } }).sops;
    expect(md(after).age[0]?.enc).toBe(md(secret.text).age[0]?.enc);
    expect(md(after).mac).not.toBe(md(secret.text).mac);
    expect(after).not.toContain("admin");
    expect(after).not.toContain(PASSWORD);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
  });

  it("SOPS_EDITOR wins over EDITOR; an unchanged file is left alone; a failing editor changes nothing", async () => {
    put("u.yaml", secret.text);
    const same = await sops(["edit", "u.yaml"], { env: env({ SOPS_EDITOR: "true", EDITOR: "false" }) });
    expect(same).toMatchObject({ code: EXIT.userError, err: "error[SOPS_FILE_NOT_MODIFIED]: u.yaml: File has not changed, exiting.\n" });
    const failed = await sops(["edit", "u.yaml"], { env: env({ EDITOR: "false" }) });
    expect(failed.err).toBe("error[SOPS_EDITOR_FAILED]: EDITOR: the editor false exited with code 1; the file is unchanged\n");
    expect(read("u.yaml")).toBe(secret.text);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
  });

  it("a wrong key opens no editor and prints no plaintext", async () => {
    put("w.yaml", secret.text);
    put("marker-editor.sh", `#!/bin/sh\ntouch "${join(dir, "editor-ran")}"\n`);
    const other = await makeSopsSecret({ name: "x", stringData: { a: "b" } });
    const r = await sops(["w.yaml"], { env: env({ SOPS_AGE_KEY: other.identity, EDITOR: `sh ${join(dir, "marker-editor.sh")}` }) });
    expect(r.code).toBe(EXIT.userError);
    expect(r.err).toMatch(/^error\[SOPS_NO_KEY_COULD_DECRYPT\]/);
    expect(existsSync(join(dir, "editor-ran"))).toBe(false);
    expect(r.err + r.out).not.toContain(PASSWORD);
  });
});

describe("flotilla sops set / unset", () => {
  it("set writes one JSON value in place; --idempotent leaves an equal value untouched; --value-stdin reads it", async () => {
    put("t.yaml", secret.text);
    expect(await sops(["set", "t.yaml", '["stringData"]["password"]', '"n3w-pass"'])).toEqual({ code: EXIT.ok, out: "", err: "" });
    expect(stringData((await sops(["-d", "t.yaml"])).out)).toEqual({ password: "n3w-pass", user: "app" });
    expect(read("t.yaml")).not.toContain("n3w-pass");
    const now = read("t.yaml");
    expect((await sops(["set", "--idempotent", "t.yaml", '["stringData"]["password"]', '"n3w-pass"'])).code).toBe(EXIT.ok);
    expect(read("t.yaml")).toBe(now);
    expect((await sops(["set", "--value-stdin", "t.yaml", '["stringData"]["extra"]'], { stdin: '"from-stdin"' })).code).toBe(EXIT.ok);
    expect(stringData((await sops(["-d", "t.yaml"])).out).extra).toBe("from-stdin");
  });

  it("a value that is not JSON is refused without echoing it", async () => {
    put("j.yaml", secret.text);
    const r = await sops(["set", "j.yaml", '["stringData"]["password"]', "unquoted-S3CRET"]);
    expect(r.err).toBe("error[INVALID_FLAG]: VALUE: the value must be JSON (a string is written with its quotes: '\"s3cret\"')\n");
    expect(read("j.yaml")).toBe(secret.text);
  });

  it("unset removes a value; a missing one is an error unless --idempotent", async () => {
    put("v.yaml", secret.text);
    expect((await sops(["unset", "v.yaml", '["stringData"]["user"]'])).code).toBe(EXIT.ok);
    expect(stringData((await sops(["-d", "v.yaml"])).out)).toEqual({ password: PASSWORD });
    const missing = await sops(["unset", "v.yaml", '["stringData"]["user"]']);
    expect(missing.err).toBe('error[SOPS_EXTRACT_NOT_FOUND]: v.yaml: ["stringData"]["user"]: component ["stringData"]["user"] not found\n');
    expect((await sops(["unset", "--idempotent", "v.yaml", '["stringData"]["user"]'])).code).toBe(EXIT.ok);
  });
});

describe("flotilla sops exec-env / exec-file", () => {
  it("exec-env gives the command the top-level values; --pristine only those", async () => {
    put("flat.yaml", `db_password: ${PASSWORD}\nport: 5432\n`);
    expect((await sops(["-e", "-i", "--age", secret.recipient, "flat.yaml"])).code).toBe(EXIT.ok);
    const r = await sops(["exec-env", "flat.yaml", `printf '%s:%s:%s' "$db_password" "$port" "$HOME" > ${join(dir, "env.out")}`]);
    expect(r).toEqual({ code: EXIT.ok, out: "", err: "" });
    expect(read("env.out")).toBe(`${PASSWORD}:5432:${dir}`);
    await sops(["exec-env", "--pristine", "flat.yaml", `printf '%s:%s' "$db_password" "$HOME" > ${join(dir, "env.out")}`]);
    expect(read("env.out")).toBe(`${PASSWORD}:`);
    const failed = await sops(["exec-env", "flat.yaml", "exit 3"]);
    expect(failed.err).toBe("error[SOPS_EXEC_FAILED]: the command exited with code 3\n");
  });

  it("exec-file hands the command a private copy ({}), removed when the command ends", async () => {
    put("f.yaml", secret.text);
    const r = await sops(["exec-file", "--no-fifo", "f.yaml", `cp {} ${join(dir, "copy.yaml")}; stat -c %a {} > ${join(dir, "mode.out")}; echo {} > ${join(dir, "path.out")}`]);
    expect(r, r.err).toEqual({ code: EXIT.ok, out: "", err: "" });
    expect(stringData(read("copy.yaml"))).toEqual(secret.stringData);
    expect(read("mode.out").trim()).toBe("600");
    expect(existsSync(read("path.out").trim())).toBe(false);
    const named = await sops(["exec-file", "--filename", "db.yaml", "--output-type", "json", "f.yaml", `basename {} > ${join(dir, "name.out")}; cp {} ${join(dir, "copy.json")}`]);
    expect(named.code, named.err).toBe(EXIT.ok);
    expect(read("name.out").trim()).toBe("db.yaml");
    expect((JSON.parse(read("copy.json")) as { stringData: unknown }).stringData).toEqual(secret.stringData);
    expect((await sops(["exec-file", "--filename", "../x", "f.yaml", "true"])).err).toBe("error[INVALID_FLAG]: --filename: --filename is a file name, not a path\n");
  });
});
