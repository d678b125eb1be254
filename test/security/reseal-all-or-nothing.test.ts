import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealingKeySecret, type GeneratedSealingKey } from "../../crypto/open.js";
import { formatManifest, parseSealingCertificate, sealSecret } from "../../crypto/seal.js";
import { runFlotilla } from "../harness/index.js";
import { testSealingKey } from "./leak-check.js";

// `flotilla reseal` over many files is all or nothing (docs/user-guide.md): when one file cannot be
// re-sealed, or cannot be written, no file changes. Run against the built CLI on real files.

let dir: string;
let oldKey: GeneratedSealingKey;
let newKey: GeneratedSealingKey;
let strayKey: GeneratedSealingKey;

const sealedFile = (key: GeneratedSealingKey, name: string): string =>
  formatManifest(
    sealSecret(
      { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "shop" }, stringData: { password: `pw-${name}-${randomBytes(4).toString("hex")}` } },
      { certificate: parseSealingCertificate(key.certificatePem, { file: "old.pem" }), random: (n) => new Uint8Array(randomBytes(n)) },
    ),
    "yaml",
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-reseal-"));
  [oldKey, newKey, strayKey] = await Promise.all([testSealingKey(), testSealingKey(), testSealingKey()]);
  await writeFile(join(dir, "old-keys.yaml"), formatManifest(sealingKeySecret(oldKey.key), "yaml"), { mode: 0o600 });
  await writeFile(join(dir, "new.pem"), newKey.certificatePem);
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function snapshot(files: readonly string[]): Promise<string[]> {
  return Promise.all(files.map((f) => readFile(join(dir, f), "utf8")));
}

async function reseal(files: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return runFlotilla(["reseal", "--cert", "new.pem", "--recovery-private-key", "old-keys.yaml", ...files], { cwd: dir, timeoutMs: 60_000 });
}

describe("reseal of many files is all or nothing", () => {
  it("one file no key opens: no file changes", async () => {
    const files = ["a.yaml", "b.yaml", "c.yaml", "d.yaml"];
    await writeFile(join(dir, "a.yaml"), sealedFile(oldKey, "a"));
    await writeFile(join(dir, "b.yaml"), sealedFile(oldKey, "b"));
    await writeFile(join(dir, "c.yaml"), sealedFile(strayKey, "c"));
    await writeFile(join(dir, "d.yaml"), sealedFile(oldKey, "d"));
    const before = await snapshot(files);
    const res = await reseal(files);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("SEALED_NO_KEY_COULD_DECRYPT");
    expect(res.stderr).toContain("c.yaml");
    expect(await snapshot(files)).toEqual(before);
  });

  it("one file that cannot be written (the last one): no file changes, no temp file left", async () => {
    // Its temp file name (".NAME.RANDOM.tmp") is longer than a file name may be: writing fails
    // after every file was re-sealed in memory, where a file-by-file write had already replaced the others.
    const long = `${"l".repeat(236)}.yaml`;
    const files = ["a.yaml", "b.yaml", "d.yaml", long];
    for (const f of files) await writeFile(join(dir, f), sealedFile(oldKey, f.slice(0, 1)));
    const before = await snapshot(files);
    const res = await reseal(files);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("FILE_UNWRITABLE");
    expect(res.stderr).toContain(long);
    expect(res.stderr).toContain("no file was changed");
    expect(await snapshot(files)).toEqual(before);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("all files open and can be written: all are re-sealed to the new key", async () => {
    const files = ["a.yaml", "b.yaml", "d.yaml"];
    for (const f of files) await writeFile(join(dir, f), sealedFile(oldKey, f.slice(0, 1)));
    const res = await reseal(files);
    expect(res.code, res.stderr).toBe(0);
    for (const text of await snapshot(files)) expect(text).toContain(newKey.fingerprint);
  });
});
