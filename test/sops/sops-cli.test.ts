import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { runFlotilla } from "../harness/index.js";
import { startFakeKms, type FakeKms } from "./kms-server.js";

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

// Two throwaway age keys made for this run, each in its own key file.
const keyFiles: string[] = [];
const recipients: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-sops-cli-"));
  kms = await startFakeKms();
  for (const name of ["one", "two"]) {
    const identity = await generateX25519Identity();
    recipients.push(await identityToRecipient(identity));
    keyFiles.push(join(dir, `${name}.agekey`));
    writeFileSync(join(dir, `${name}.agekey`), `${identity}\n`);
  }
});
afterAll(async () => {
  await kms.stop();
  rmSync(dir, { recursive: true, force: true });
});

// Each test starts several CLI processes; on a busy shared machine that can take a while.
describe("flotilla sops encrypt / updatekeys / rotate with .sops.yaml", { timeout: 180_000 }, () => {
  it("encrypts in place from creation rules, then updatekeys and rotate keep the plaintext", async () => {
    const work = mkdtempSync(join(dir, "repo-"));
    const [recipient1, recipient2] = recipients as [string, string];
    writeFileSync(join(work, ".sops.yaml"), `creation_rules:\n  - path_regex: \\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${recipient1}\n`);
    const plain = "# my secret\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  # rotate monthly\n  password: cli-secret-value\n";
    writeFileSync(join(work, "secret.yaml"), plain);
    const enc = await runFlotilla(["sops", "encrypt", "-i", "secret.yaml"], { cwd: work, env: baseEnv() });
    expect(enc.stderr).toBe("");
    expect(enc.code).toBe(0);
    const written = readFileSync(join(work, "secret.yaml"), "utf8");
    expect(written).not.toContain("cli-secret-value");
    expect(written).toContain("name: db");
    expect(written).toContain("encrypted_regex: ^(data|stringData)$");
    const key1 = { ...baseEnv(), SOPS_AGE_KEY_FILE: keyFiles[0] };
    const key2 = { ...baseEnv(), SOPS_AGE_KEY_FILE: keyFiles[1] };
    expect((await runFlotilla(["sops", "decrypt", "secret.yaml"], { cwd: work, env: key1 })).stdout).toBe(plain);

    writeFileSync(join(work, ".sops.yaml"), `creation_rules:\n  - path_regex: \\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${recipient1},${recipient2}\n`);
    const upd = await runFlotilla(["sops", "updatekeys", "-y", "secret.yaml"], { cwd: work, env: key1 });
    expect(upd.code).toBe(0);
    expect(upd.stderr).toContain("keys updated");
    expect((await runFlotilla(["sops", "decrypt", "secret.yaml"], { cwd: work, env: key2 })).stdout).toBe(plain);

    const before = readFileSync(join(work, "secret.yaml"), "utf8");
    const rot = await runFlotilla(["sops", "rotate", "-i", "secret.yaml"], { cwd: work, env: key2 });
    expect(rot.code).toBe(0);
    const after = readFileSync(join(work, "secret.yaml"), "utf8");
    expect(after).not.toBe(before);
    expect((await runFlotilla(["sops", "decrypt", "secret.yaml"], { cwd: work, env: key1 })).stdout).toBe(plain);
  });

  it("encrypts with --kms against the local KMS endpoint (AWS_ENDPOINT_URL_KMS) and decrypts", async () => {
    const work = mkdtempSync(join(dir, "kms-"));
    writeFileSync(join(work, "app.env"), "DB_PASSWORD=kms-cli-secret\n# trailing comment\n");
    const enc = await runFlotilla(["sops", "encrypt", "--kms", kms.keyArn, "--encryption-context", "team:payments", "app.env"], { cwd: work, env: baseEnv() });
    // The AWS SDK may print a Node version notice; no error may appear.
    expect(enc.stderr).not.toContain("error[");
    expect(enc.code).toBe(0);
    expect(enc.stdout).toContain(`sops_kms__list_0__map_arn=${kms.keyArn}`);
    expect(enc.stdout).toContain("sops_kms__list_0__map_context__map_team=payments");
    writeFileSync(join(work, "app.enc.env"), enc.stdout);
    const dec = await runFlotilla(["sops", "decrypt", "app.enc.env"], { cwd: work, env: baseEnv() });
    expect(dec.stdout).toBe("DB_PASSWORD=kms-cli-secret\n# trailing comment\n");
    expect(kms.calls.some((c) => c.op === "Decrypt" && c.context.team === "payments")).toBe(true);
  });
  it("a file without its MAC: refused with a clear code, accepted with --ignore-mac", async () => {
    const work = mkdtempSync(join(dir, "nomac-"));
    writeFileSync(join(work, "s.yaml"), "apiVersion: v1\nkind: Secret\nstringData:\n  password: no-mac-secret-value\n");
    const enc = await runFlotilla(["sops", "encrypt", "--age", recipients[0] ?? "", "s.yaml"], { cwd: work, env: baseEnv() });
    expect(enc.code).toBe(0);
    const stripped = enc.stdout.replace(/^ {2}mac: .*\n/m, "");
    expect(stripped).not.toContain("mac:");
    writeFileSync(join(work, "no_mac.yaml"), stripped);
    const env = { ...baseEnv(), SOPS_AGE_KEY_FILE: keyFiles[0] };
    const [refused, ok] = await Promise.all([
      runFlotilla(["sops", "decrypt", "no_mac.yaml"], { cwd: work, env }),
      runFlotilla(["sops", "decrypt", "--ignore-mac", "no_mac.yaml"], { cwd: work, env }),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(/^error\[SOPS_MAC_MISMATCH\]: .*no_mac\.yaml: sops\.mac: MAC mismatch/);
    expect(refused.stderr).not.toContain("no-mac-secret-value");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("password: no-mac-secret-value");
  });
});
