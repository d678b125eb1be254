import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { interopFixturePath, runFlotilla } from "../harness/index.js";
import { startFakeKms, type FakeKms } from "../sops/kms-server.js";

const expected = JSON.parse(readFileSync(interopFixturePath("sops", "expected.json"), "utf8")) as Record<string, { plaintext: unknown }>;
const fx = (...p: string[]): string => interopFixturePath("sops", ...p);
let dir: string;
let kms: FakeKms;
// A clean environment: no user keys leak in from HOME, and no real AWS endpoint is reachable.
const baseEnv = (): Record<string, string | undefined> => ({
  HOME: dir,
  XDG_CONFIG_HOME: join(dir, ".config"),
  SOPS_AGE_KEY: undefined,
  SOPS_AGE_KEY_FILE: undefined,
  SOPS_AGE_SSH_PRIVATE_KEY_FILE: undefined,
  AWS_ENDPOINT_URL_KMS: kms.url,
  AWS_ACCESS_KEY_ID: "AKIDTEST",
  AWS_SECRET_ACCESS_KEY: "test-secret",
  AWS_REGION: "us-east-1",
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-sops-cli-"));
  kms = await startFakeKms();
});
afterAll(async () => {
  await kms.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("flotilla sops decrypt (real fixtures through the built CLI)", { timeout: 180_000 }, () => {
  it("YAML with --age-key-file", async () => {
    const r = await runFlotilla(["sops", "decrypt", fx("humphd-sops-age", "secret.enc.yaml"), "--age-key-file", fx("humphd-sops-age", "key.txt")], { env: baseEnv() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(parseYaml(r.stdout)).toEqual(expected["humphd-sops-age/secret.enc.yaml"]?.plaintext);
  });

  it("JSON, dotenv, INI and binary with PGP or SOPS_AGE_KEY / SOPS_AGE_KEY_FILE", async () => {
    const pgp = ["--pgp-key-file", fx("getsops-sops", "sops_functional_tests_key.asc")];
    // Independent runs go in parallel to keep the suite fast.
    const [json, env, ini, bin] = await Promise.all([
      runFlotilla(["sops", "decrypt", fx("getsops-sops", "example.json"), ...pgp], { env: baseEnv() }),
      runFlotilla(["sops", "decrypt", fx("humphd-sops-age", "secret.enc.env")], {
        env: { ...baseEnv(), SOPS_AGE_KEY: readFileSync(fx("humphd-sops-age", "key.txt"), "utf8") },
      }),
      runFlotilla(["sops", "decrypt", fx("getsops-sops", "functional-tests-format.enc.ini"), ...pgp], { env: baseEnv() }),
      runFlotilla(["sops", "decrypt", fx("flux-kustomize-controller", "files-file.txt")], {
        env: { ...baseEnv(), SOPS_AGE_KEY_FILE: fx("flux-kustomize-controller", "keys-age.txt") },
      }),
    ]);
    expect(JSON.parse(json.stdout)).toEqual(expected["getsops-sops/example.json"]?.plaintext);
    expect(env.stdout).toBe("secret=this is a secret\nanother_secret=7\n");
    expect(ini.stdout).toBe("[foo]\nbar = baz\n");
    expect(bin.stdout).toBe("value");
  });

  it("--extract and --output-type", async () => {
    const args = ["sops", "decrypt", fx("humphd-sops-age", "secret.enc.json"), "--age-key-file", fx("humphd-sops-age", "key.txt")];
    const [extracted, asYaml] = await Promise.all([
      runFlotilla([...args, "--extract", '["complex"]["value"]'], { env: baseEnv() }),
      runFlotilla([...args, "--output-type", "yaml"], { env: baseEnv() }),
    ]);
    expect(extracted.stdout).toBe("this is a secret");
    expect(parseYaml(asYaml.stdout)).toEqual(expected["humphd-sops-age/secret.enc.json"]?.plaintext);
  });

  it("no MAC: refused with a clear code, accepted with --ignore-mac", async () => {
    const args = ["sops", "decrypt", fx("getsops-sops", "functional-tests-no_mac.yaml"), "--pgp-key-file", fx("getsops-sops", "sops_functional_tests_key.asc")];
    const [refused, ok] = await Promise.all([runFlotilla(args, { env: baseEnv() }), runFlotilla([...args, "--ignore-mac"], { env: baseEnv() })]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(/^error\[SOPS_MAC_MISMATCH\]: .*functional-tests-no_mac\.yaml: sops\.mac: MAC mismatch/);
    expect(ok.code).toBe(0);
    expect(parseYaml(ok.stdout)).toEqual(expected["getsops-sops/functional-tests-no_mac.yaml"]?.plaintext);
  });

  it("wrong key and corrupted value: exit 1, code, file and key path, no plaintext anywhere", async () => {
    const [wrong, bad] = await Promise.all([
      runFlotilla(["sops", "decrypt", fx("isindir-sops-secrets-operator", "02-test-secrets.yaml"), "--age-key-file", fx("humphd-sops-age", "key.txt")], { env: baseEnv() }),
      runFlotilla(["sops", "decrypt", fx("isindir-sops-secrets-operator", "01-test-secrets.yaml"), "--age-key-file", fx("isindir-sops-secrets-operator", "key-file.txt")], { env: baseEnv() }),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error\[SOPS_NO_KEY_COULD_DECRYPT\]: .*02-test-secrets\.yaml: sops: could not unwrap the data key/);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error\[SOPS_VALUE_INTEGRITY_FAILED\]: .*01-test-secrets\.yaml: spec\.secretTemplates\.stringData\.username: /);
    const raw = readFileSync(fx("isindir-sops-secrets-operator", "01-raw-test-secrets.yaml"), "utf8");
    for (const secret of [...raw.matchAll(/(?:username|password): (\S+)/g)].map((m) => m[1] ?? "")) {
      expect(bad.stdout + bad.stderr).not.toContain(secret);
    }
  });
});

describe("flotilla sops encrypt for an SSH recipient (getsops test key)", { timeout: 180_000 }, () => {
  it("encrypts for an SSH recipient, decrypts with SOPS_AGE_SSH_PRIVATE_KEY_FILE", async () => {
    const work = mkdtempSync(join(dir, "ssh-"));
    copyFileSync(fx("humphd-sops-age", "secret.json"), join(work, "secret.json"));
    const pub = readFileSync(fx("getsops-sops", "age-unit-ssh-ed25519-identity.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
    const enc = await runFlotilla(["sops", "encrypt", "--age", pub, "secret.json"], { cwd: work, env: baseEnv() });
    expect(enc.code).toBe(0);
    writeFileSync(join(work, "secret.enc.json"), enc.stdout);
    const dec = await runFlotilla(["sops", "decrypt", "secret.enc.json"], {
      cwd: work,
      env: { ...baseEnv(), SOPS_AGE_SSH_PRIVATE_KEY_FILE: fx("getsops-sops", "age-unit-ssh-ed25519-identity") },
    });
    expect(dec.code).toBe(0);
    expect(JSON.parse(dec.stdout)).toEqual(JSON.parse(readFileSync(fx("humphd-sops-age", "secret.json"), "utf8")));
  });

});
