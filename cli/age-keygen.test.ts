import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { Decrypter, Encrypter, identityToRecipient } from "age-encryption";
import { silentLogger, systemClock } from "../core/index.js";
import type { CliContext } from "./context.js";
import { EXIT, runCli } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "age-keygen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse("2026-03-01T12:34:56.789Z");

async function flotilla(args: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = {
    env: {},
    cwd: dir,
    stdin: Readable.from([stdin]),
    stdout,
    stderr,
    clock: { ...systemClock, now: () => NOW },
    logger: silentLogger,
    shutdown: new AbortController().signal,
  };
  const code = await runCli(args, ctx);
  return { code, out, err };
}

const FILE = /^# created: 2026-03-01T12:34:56Z\n# public key: (age1[0-9a-z]+)\n(AGE-SECRET-KEY-1[0-9A-Z]+)\n$/;

describe("flotilla keys age-keygen", () => {
  it("prints an identity file in age-keygen's format, whose key opens what is encrypted to its public key", async () => {
    const r = await flotilla(["keys", "age-keygen"]);
    expect(r.code).toBe(EXIT.ok);
    const [, recipient = "", identity = ""] = FILE.exec(r.out) ?? [];
    expect(await identityToRecipient(identity)).toBe(recipient);
    // stdout is not a terminal here, so the recipient also goes to stderr (as age-keygen does).
    expect(r.err).toBe(`Public key: ${recipient}\n`);
    const e = new Encrypter();
    e.addRecipient(recipient);
    const d = new Decrypter();
    d.addIdentity(identity);
    expect(await d.decrypt(await e.encrypt("hello"), "text")).toBe("hello");
  });

  it("-o creates the file 0600 and never overwrites it", async () => {
    const r = await flotilla(["keys", "age-keygen", "-o", "key.txt"]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toBe("");
    const text = readFileSync(join(dir, "key.txt"), "utf8");
    expect(text).toMatch(FILE);
    expect(statSync(join(dir, "key.txt")).mode & 0o777).toBe(0o600);
    expect(r.err).toBe(`Public key: ${FILE.exec(text)?.[1] ?? "?"}\n`);

    const again = await flotilla(["keys", "age-keygen", "-o", "key.txt"]);
    expect(again.code).toBe(EXIT.userError);
    expect(again.err).toBe("error[INVALID_FLAG]: key.txt: -o: the file exists; age-keygen never overwrites an identity\n");
    expect(readFileSync(join(dir, "key.txt"), "utf8")).toBe(text);
  });

  it("--pq makes a hybrid identity", async () => {
    const r = await flotilla(["keys", "age-keygen", "--pq"]);
    expect(r.code).toBe(EXIT.ok);
    const identity = r.out.split("\n")[2] ?? "";
    expect(identity).toMatch(/^AGE-SECRET-KEY-PQ-1/);
    expect(r.out.split("\n")[1]).toBe(`# public key: ${await identityToRecipient(identity)}`);
  });

  it("-y prints the recipient of each identity in a file or on stdin, skipping comments", async () => {
    const a = (await flotilla(["keys", "age-keygen"])).out;
    const b = (await flotilla(["keys", "age-keygen"])).out;
    writeFileSync(join(dir, "two.txt"), `${a}\n# another\n${b}`);
    const want = `${FILE.exec(a)?.[1] ?? "?"}\n${FILE.exec(b)?.[1] ?? "?"}\n`;
    const fromFile = await flotilla(["keys", "age-keygen", "-y", "two.txt"]);
    expect(fromFile).toEqual({ code: EXIT.ok, out: want, err: "" });
    const fromStdin = await flotilla(["keys", "age-keygen", "-y"], a);
    expect(fromStdin.out).toBe(`${FILE.exec(a)?.[1] ?? "?"}\n`);
    await flotilla(["keys", "age-keygen", "-y", "two.txt", "-o", "two.pub"]);
    expect(readFileSync(join(dir, "two.pub"), "utf8")).toBe(want);
  });

  it("-y on a file that is not an identity file names the line and does not echo it", async () => {
    const secretish = "sk_live_DO_NOT_PRINT";
    writeFileSync(join(dir, "bad.txt"), `# comment\n${secretish}\n`);
    const r = await flotilla(["keys", "age-keygen", "-y", "bad.txt"]);
    expect(r.code).toBe(EXIT.userError);
    expect(r.err).toBe("error[AGE_IDENTITY_INVALID]: bad.txt: line 2 is not a native age identity (AGE-SECRET-KEY-1…)\n");
    const empty = await flotilla(["keys", "age-keygen", "-y"], "# nothing\n");
    expect(empty.err).toBe("error[AGE_IDENTITY_INVALID]: <stdin>: no identities found in the input\n");
    const extra = await flotilla(["keys", "age-keygen", "two.txt"]);
    expect(extra.err).toBe("error[INVALID_FLAG]: INPUT: age-keygen takes an input file only with -y\n");
  });
});
