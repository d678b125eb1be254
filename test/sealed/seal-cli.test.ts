import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyRing, hybridDecrypt, parsePrivateKeys } from "../../crypto/open.js";
import { decodeSealedValue, encryptionLabel } from "../../crypto/seal.js";
import { fixturePath, runFlotilla, type CliResult } from "../harness/index.js";

// The built CLI as a security engineer runs it, against the shared interop fixtures.
const F = (name: string): string => fixturePath("sealed-secrets", name);
const read = (name: string): string => readFileSync(F(name), "utf8");
const PLAINTEXT = "s3cr3t-plaintext-that-must-not-leak-9931";
const expected = JSON.parse(read("expected.json")) as {
  keys: Record<string, { sshSha256Fingerprint: string }>;
  sealedSecrets: Record<string, { expectedSecret?: unknown; expectError?: string }>;
};
const fpA = expected.keys["key-a.pem"].sshSha256Fingerprint;
const fpB = expected.keys["key-b.pem"].sshSha256Fingerprint;

let dir: string;
const at = (name: string): string => join(dir, name);
const secretYaml = (name: string, namespace: string, extra = ""): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${extra}type: Opaque\nstringData:\n  password: ${PLAINTEXT}\n`;

function expectNoLeak(result: CliResult): void {
  expect(result.stdout).not.toContain(PLAINTEXT);
  expect(result.stderr).not.toContain(PLAINTEXT);
  expect(result.stderr).not.toContain(Buffer.from(PLAINTEXT).toString("base64"));
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

function everyFileInDir(): string {
  return readdirSync(dir)
    .map((f) => readFileSync(at(f), "utf8"))
    .join("\n");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "flotilla-sealed-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("flotilla unseal (kubeseal --recovery-unseal)", () => {
  it("opens every positive fixture (template vector included) to expected.json with the controller's key List", async () => {
    const positives = Object.entries(expected.sealedSecrets).filter(([, e]) => e.expectedSecret !== undefined);
    expect(positives).toHaveLength(5);
    // One process, all files as one YAML stream on stdin: one Secret out per SealedSecret in.
    const result = await runFlotilla(["unseal", "--recovery-private-key", F("sealing-keys-backup.list.yaml"), "-o", "yaml"], {
      input: positives.map(([name]) => read(name)).join(""),
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(parseAllDocuments(result.stdout).map((d) => d.toJS() as unknown)).toEqual(positives.map(([, e]) => e.expectedSecret));
  });

  it("accepts several PEM keys, comma-separated, via the kubeseal alias reading stdin", async () => {
    const result = await runFlotilla(["seal", "--recovery-unseal", "--recovery-private-key", `${F("key-a.pem")},${F("key-b.pem")}`, "-o", "yaml"], {
      input: read("multi-key.sealedsecret.yaml"),
    });
    expect(result.code).toBe(0);
    expect(parse(result.stdout)).toEqual(expected.sealedSecrets["multi-key.sealedsecret.yaml"].expectedSecret);
  });

  it.each(["negative-renamed.sealedsecret.yaml", "negative-missing-scope-annotation.sealedsecret.yaml"])("refuses %s with a clear code", async (name) => {
    const result = await runFlotilla(["unseal", "--recovery-private-key", F("sealing-keys-backup.list.yaml"), "-f", F(name)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`error[SEALED_NO_KEY_COULD_DECRYPT]: ${F(name)}: spec.encryptedData: ${expected.sealedSecrets[name].expectError}\n`.replace("spec.encryptedData: ", ""));
  });
});

describe("flotilla seal", () => {
  it("seals a Secret that only the key's holder opens, in every scope, naming the sealing key", async () => {
    const sealedDocs: string[] = [];
    for (const scope of ["strict", "namespace-wide", "cluster-wide"]) {
      const sealed = await runFlotilla(["seal", "--cert", F("cert-a.pem"), "--scope", scope, "-o", "yaml"], { input: secretYaml(`db-${scope}`, "prod") });
      expect(sealed.code).toBe(0);
      expectNoLeak(sealed);
      const doc = parse(sealed.stdout) as { metadata: { annotations: Record<string, string> } };
      expect(doc.metadata.annotations["flotilla.dev/sealed-by-key"]).toBe(fpA);
      sealedDocs.push(sealed.stdout);
    }
    const opened = await runFlotilla(["--log-level", "debug", "unseal", "--recovery-private-key", F("key-a.pem"), "-o", "yaml"], { input: sealedDocs.join("") });
    // Debug logs name what was opened, never what it holds.
    expect(opened.stderr).toContain('"msg":"unsealed"');
    expect(opened.stderr).not.toContain(PLAINTEXT);
    expect(opened.stderr).not.toContain(Buffer.from(PLAINTEXT).toString("base64"));
    const secrets = parseAllDocuments(opened.stdout).map((d) => d.toJS() as { metadata: { name: string }; data: { password: string } });
    expect(secrets.map((x) => x.metadata.name)).toEqual(["db-strict", "db-namespace-wide", "db-cluster-wide"]);
    for (const x of secrets) expect(Buffer.from(x.data.password, "base64").toString()).toBe(PLAINTEXT);
    const wrongKey = await runFlotilla(["unseal", "--recovery-private-key", F("key-b.pem")], { input: sealedDocs[0] });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^error\[SEALED_NO_KEY_COULD_DECRYPT\]: <stdin>: no key could decrypt secret \(item "password"\)\n$/);
    expectNoLeak(wrongKey);
  });

  it("seals raw values like kubeseal --raw, for the exact scope label", async () => {
    writeFileSync(at("value.txt"), PLAINTEXT);
    const ring = createKeyRing(parsePrivateKeys(read("key-a.pem")));
    const cases = [
      { args: ["--scope", "strict", "--name", "a", "--namespace", "ns"], label: encryptionLabel("ns", "a", "strict") },
      { args: ["--scope", "namespace-wide", "--namespace", "ns"], label: "ns" },
      { args: ["--scope", "cluster-wide"], label: "" },
    ];
    for (const c of cases) {
      const result = await runFlotilla(["seal", "--raw", "--cert", F("cert-a.pem"), "--from-file", at("value.txt"), ...c.args]);
      expect(result.code).toBe(0);
      expect(Buffer.from(hybridDecrypt(ring, decodeSealedValue(result.stdout), c.label).plaintext).toString()).toBe(PLAINTEXT);
    }
    rmSync(at("value.txt"));
    const missing = await runFlotilla(["seal", "--raw", "--cert", F("cert-a.pem"), "--from-file", F("cert-a.pem"), "--namespace", "ns"]);
    expect(missing.stderr).toBe("error[SEALED_SCOPE_NEEDS_NAME]: --name: must provide the --name flag with --raw and --scope strict\n");
  });

  it("fetches the certificate from an http URL like kubeseal --cert URL", async () => {
    const server = createServer((_req, res) => res.end(read("cert-a.pem")));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      const sealed = await runFlotilla(["seal", "--cert", `http://127.0.0.1:${port}/v1/cert.pem`, "-o", "yaml"], { input: secretYaml("url", "prod") });
      expect(sealed.code).toBe(0);
      expect((parse(sealed.stdout) as { metadata: { annotations: Record<string, string> } }).metadata.annotations["flotilla.dev/sealed-by-key"]).toBe(fpA);
    } finally {
      server.close();
    }
  });

  it("writes -w FILE.yaml as YAML and merges new items into it with --merge-into", async () => {
    const first = await runFlotilla(["seal", "--cert", F("cert-a.pem"), "-w", at("db.sealed.yaml")], { input: secretYaml("db", "prod") });
    expect(first.code).toBe(0);
    expect(readFileSync(at("db.sealed.yaml"), "utf8")).toMatch(/^---\napiVersion: bitnami.com\/v1alpha1\n/);
    const more = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ignored\n  namespace: prod\nstringData:\n  apikey: k-123\n`;
    const merged = await runFlotilla(["seal", "--cert", F("cert-a.pem"), "--merge-into", at("db.sealed.yaml")], { input: more });
    expect(merged.code).toBe(0);
    const opened = await runFlotilla(["unseal", "--recovery-private-key", F("key-a.pem"), "-f", at("db.sealed.yaml")]);
    expect(Object.keys((JSON.parse(opened.stdout) as { data: Record<string, string> }).data)).toEqual(["apikey", "password"]);
  });

  it("reports bad input clearly, naming the file and field, with no plaintext", async () => {
    const noNs = await runFlotilla(["seal", "--cert", F("cert-a.pem")], { input: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  password: ${PLAINTEXT}\n` });
    expect(noNs.stderr).toBe("error[SEALED_SCOPE_NEEDS_NAME]: <stdin>: metadata.namespace: secret must declare a namespace for strict scope (or pass --namespace)\n");
    expectNoLeak(noNs);
    const notCert = await runFlotilla(["seal", "--cert", F("key-a.pem")], { input: secretYaml("a", "b") });
    expect(notCert.stderr).toMatch(/^error\[SEALED_INVALID_CERTIFICATE\]: .*key-a\.pem: no PEM certificate or public key found\n$/);
    writeFileSync(at("not-a-key.pem"), "this is not a key\n");
    const notKey = await runFlotilla(["unseal", "--recovery-private-key", at("not-a-key.pem"), "-f", F("strict.sealedsecret.yaml")]);
    expect(notKey.stderr).toMatch(/^error\[SEALED_INVALID_PRIVATE_KEY\]: .*not-a-key\.pem: no RSA private key found/);
    const sealed = readFileSync(at("db.sealed.yaml"), "utf8");
    const truncated = sealed.replace(/(password: )(\S+)/, (_m, k: string, v: string) => `${k}${v.slice(0, 200)}`);
    const cut = await runFlotilla(["unseal", "--recovery-private-key", F("key-a.pem")], { input: truncated });
    expect(cut.stderr).toMatch(/^error\[SEALED_CIPHERTEXT_MALFORMED\]: <stdin>: item "password": sealed data is too short\n$/);
    const flipped = sealed.replace(/(password: \S{700})(\S)/, (_m, head: string, c: string) => `${head}${c === "A" ? "B" : "A"}`);
    const tampered = await runFlotilla(["unseal", "--recovery-private-key", F("key-a.pem")], { input: flipped });
    expect(tampered.stderr).toMatch(/^error\[SEALED_INTEGRITY_CHECK_FAILED\]: <stdin>: item "password": integrity check failed/);
    for (const r of [noNs, notCert, notKey, cut, tampered]) {
      expect(r.code).toBe(1);
      expectNoLeak(r);
    }
  });
});

describe("flotilla seal --fleet", () => {
  it("seals for several clusters and an offline recovery recipient; each opens only its own entry", async () => {
    const identity = await generateIdentity();
    writeFileSync(at("recovery.agekey"), `${identity}\n`);
    const sealed = await runFlotilla(
      ["seal", "--fleet", "--cert", `eu-1=${F("cert-a.pem")}`, "--cert", `us-1=${F("cert-b.pem")}`, "--recovery", await identityToRecipient(identity), "-o", "yaml"],
      { input: secretYaml("api", "prod") },
    );
    expect(sealed.stderr).toBe("");
    expect(sealed.code).toBe(0);
    expectNoLeak(sealed);
    writeFileSync(at("api.fss.yaml"), sealed.stdout);
    const fss = parse(sealed.stdout) as { kind: string; spec: { clusters: { cluster: string; keyFingerprint: string }[] } };
    expect(fss.kind).toBe("FleetSealedSecret");
    expect(fss.spec.clusters.map((c) => [c.cluster, c.keyFingerprint])).toEqual([
      ["eu-1", fpA],
      ["us-1", fpB],
    ]);
    const euOpens = await runFlotilla(["unseal", "--recovery-private-key", F("key-a.pem"), "-f", at("api.fss.yaml")]);
    expect(Buffer.from((JSON.parse(euOpens.stdout) as { data: { password: string } }).data.password, "base64").toString()).toBe(PLAINTEXT);
    const euCannotOpenUs = await runFlotilla(["unseal", "--recovery-private-key", F("key-a.pem"), "--cluster", "us-1", "-f", at("api.fss.yaml")]);
    expect(euCannotOpenUs.stderr).toMatch(/^error\[SEALED_NO_KEY_COULD_DECRYPT\]/);
    const noEntry = await runFlotilla(["unseal", "--recovery-private-key", F("key-a.pem"), "--cluster", "ap-1", "-f", at("api.fss.yaml")]);
    expect(noEntry.stderr).toMatch(/^error\[SEALED_FLEET_NO_ENTRY\]: .*has no entry for cluster "ap-1" \(it has: eu-1, us-1\)\n$/);
    const recovered = await runFlotilla(["unseal", "--identity", at("recovery.agekey"), "-f", at("api.fss.yaml")]);
    expect(Buffer.from((JSON.parse(recovered.stdout) as { data: { password: string } }).data.password, "base64").toString()).toBe(PLAINTEXT);
    for (const r of [euCannotOpenUs, noEntry]) expectNoLeak(r);
  });
});

describe("flotilla reseal and keys", () => {
  it("re-seals files in place to a new key offline, and `keys which` tells which key sealed what", async () => {
    const old = await runFlotilla(["seal", "--cert", F("cert-b.pem"), "-w", at("rotate-me.yaml")], { input: secretYaml("rot", "prod") });
    expect(old.code).toBe(0);
    const before = await runFlotilla(["keys", "which", "--recovery-private-key", F("sealing-keys-backup.list.yaml"), at("rotate-me.yaml")]);
    expect(before.stdout).toBe(`${at("rotate-me.yaml")}\tprod/rot\tpassword\t${fpB}\n`);
    const resealed = await runFlotilla(["reseal", "--cert", F("cert-a.pem"), "--recovery-private-key", F("key-b.pem"), at("rotate-me.yaml")]);
    expect(resealed.code).toBe(0);
    expectNoLeak(resealed);
    expect(everyFileInDir()).not.toContain(PLAINTEXT);
    const after = await runFlotilla(["keys", "which", "-o", "json", "--recovery-private-key", F("sealing-keys-backup.list.yaml"), at("rotate-me.yaml")]);
    expect((JSON.parse(after.stdout) as { key: string }[]).map((r) => r.key)).toEqual([fpA]);
    const annotationOnly = await runFlotilla(["keys", "which", at("rotate-me.yaml")]);
    expect(annotationOnly.stdout).toContain(fpA);
    const opensWithNewKeyOnly = await runFlotilla(["unseal", "--recovery-private-key", F("key-a.pem"), "-f", at("rotate-me.yaml")]);
    expect(opensWithNewKeyOnly.code).toBe(0);
    // kubeseal's spelling: seal --re-encrypt, stdin to stdout.
    const back = await runFlotilla(["seal", "--re-encrypt", "--cert", F("cert-b.pem"), "--recovery-private-key", F("key-a.pem"), "-o", "yaml"], {
      input: readFileSync(at("rotate-me.yaml"), "utf8"),
    });
    expect(back.code).toBe(0);
    expect((parse(back.stdout) as { metadata: { annotations: Record<string, string> } }).metadata.annotations["flotilla.dev/sealed-by-key"]).toBe(fpB);
  });

  it("a failed reseal leaves the file untouched", async () => {
    await runFlotilla(["seal", "--cert", F("cert-a.pem"), "-w", at("keep.yaml")], { input: secretYaml("keep", "prod") });
    const original = readFileSync(at("keep.yaml"), "utf8");
    const failed = await runFlotilla(["reseal", "--cert", F("cert-b.pem"), "--recovery-private-key", F("key-b.pem"), at("keep.yaml")]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^error\[SEALED_NO_KEY_COULD_DECRYPT\]: .*keep\.yaml: spec\.encryptedData: no key could decrypt secret \(item "password"\)\n$/);
    expect(readFileSync(at("keep.yaml"), "utf8")).toBe(original);
  });

  it("generates, rotates, fingerprints, backs up and restores controller-compatible keys", async () => {
    const gen = await runFlotilla(["keys", "generate", "--bits", "2048", "--cert-out", at("new.crt"), "-w", at("keys.yaml")]);
    expect(gen.code).toBe(0);
    const fingerprint = /generated sealing key (SHA256:\S+)/.exec(gen.stderr)?.[1];
    expect(fingerprint).toBeDefined();
    const keySecret = parse(readFileSync(at("keys.yaml"), "utf8")) as { type: string; metadata: { labels: Record<string, string> } };
    expect(keySecret.type).toBe("kubernetes.io/tls");
    expect(keySecret.metadata.labels["sealedsecrets.bitnami.com/sealed-secrets-key"]).toBe("active");
    const fp = await runFlotilla(["keys", "fingerprint", at("new.crt"), at("keys.yaml"), F("cert-a.pem")]);
    expect(fp.stdout).toBe(`${fingerprint}  ${at("new.crt")}\n${fingerprint}  ${at("keys.yaml")}\n${fpA}  ${F("cert-a.pem")}\n`);

    writeFileSync(at("list.yaml"), read("sealing-keys-backup.list.yaml"));
    const rotated = await runFlotilla(["keys", "rotate", "--bits", "2048", "-f", at("list.yaml"), "--cert-out", at("rotated.crt")]);
    expect(rotated.code).toBe(0);
    const items = (parse(readFileSync(at("list.yaml"), "utf8")) as { items: unknown[] }).items;
    expect(items).toHaveLength(3);

    const identity = await generateIdentity();
    writeFileSync(at("id.agekey"), `# backup identity\n${identity}\n`);
    const backup = await runFlotilla(["keys", "backup", "-r", await identityToRecipient(identity), "-f", at("list.yaml"), "-w", at("keys.age")]);
    expect(backup.code).toBe(0);
    expect(readFileSync(at("keys.age"), "utf8")).not.toContain("PRIVATE KEY");
    const restored = await runFlotilla(["keys", "restore", "--identity", at("id.agekey"), "-f", at("keys.age")]);
    expect(restored.code).toBe(0);
    expect(parseAllDocuments(restored.stdout)[0].toJS()).toMatchObject({ kind: "List" });
    // The restored List opens what was sealed with the rotated-in (newest) key.
    writeFileSync(at("restored.yaml"), restored.stdout);
    const sealed = await runFlotilla(["seal", "--cert", at("rotated.crt")], { input: secretYaml("after", "dr") });
    const opened = await runFlotilla(["unseal", "--recovery-private-key", at("restored.yaml")], { input: sealed.stdout });
    expect(opened.code).toBe(0);
    const wrongIdentity = await generateIdentity();
    writeFileSync(at("wrong.agekey"), wrongIdentity);
    const refused = await runFlotilla(["keys", "restore", "--identity", at("wrong.agekey"), "-f", at("keys.age")]);
    expect(refused.stderr).toMatch(/^error\[SEALED_BACKUP_FAILED\]/);
    expect(refused.stderr).not.toContain("PRIVATE KEY");
  });
});
