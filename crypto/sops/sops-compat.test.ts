import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { fixturePath } from "../../test/harness/index.js";
import { openEncryptedValue } from "./aes-value.js";
import { sshIdentity, sshRecipient } from "./age-ssh.js";
import { decryptSopsObject, decryptSopsText, isSopsEncrypted } from "./decrypt.js";
import { encryptSopsText } from "./encrypt.js";
import { unwrapSopsDataKey } from "./decrypt-rekey.js";
import { formatFloatF, formatFloatG, resolveYamlV3Plain } from "./go-values.js";
import { shamirCombine, shamirSplit } from "./shamir.js";
import { parseSopsConfig, creationRuleFor } from "./sops-config.js";

const read = (...p: string[]): string => readFileSync(fixturePath("sops", ...p), "utf8");
const expected = JSON.parse(read("expected.json")) as Record<string, { comments?: { aad?: string; plaintext?: string }[] }>;
const pgp = { pgpKeys: [read("getsops-sops", "sops_functional_tests_key.asc")] };
const random = (n: number): Uint8Array => randomBytes(n);
const clock = { now: () => 0 };

describe("compatibility details", () => {
  it("comments we encrypt carry the AAD sops itself uses (expected.json)", async () => {
    const id = await generateX25519Identity();
    for (const file of ["getsops-sops/example.yaml", "getsops-sops/functional-tests-comments.enc.yaml"]) {
      const plain = (await decryptSopsText(read(file), { format: "yaml", keys: pgp })).text;
      const enc = await encryptSopsText(plain, { format: "yaml", keyGroups: [[{ type: "age", recipient: await identityToRecipient(id) }]], random, clock });
      const key = await unwrapSopsDataKey(enc, "yaml", { ageIdentities: [id] });
      const opened = new Map<string, string>();
      for (const m of enc.matchAll(/#(ENC\[AES256_GCM,[^\]]+\])/g)) {
        for (const c of expected[file]?.comments ?? []) {
          try {
            opened.set(openEncryptedValue(m[1] ?? "", key, c.aad ?? "", undefined).plaintext.toString(), c.aad ?? "");
          } catch {
            // not this AAD
          }
        }
      }
      for (const c of expected[file]?.comments ?? []) expect(opened.get(c.plaintext ?? "")).toBe(c.aad);
    }
  });

  it("reads the sops 3.13.1 INI with a multi-line triple-quoted enc (format-2.enc.ini)", async () => {
    const dec = await decryptSopsText(read("getsops-sops", "functional-tests-format-2.enc.ini"), { format: "ini", keys: pgp });
    expect(dec.macVerified).toBe(true);
    expect(dec.text).toMatch(/^\[\w+\]/);
  });

  it("a Secret whose data is a base64 binary-format sops file (inside-secret.yaml)", async () => {
    const secret = parseYaml(read("flux-kustomize-controller", "inside-secret.yaml")) as { data: { key: string } };
    const inner = Buffer.from(secret.data.key, "base64").toString("utf8");
    const dec = await decryptSopsText(inner, { format: "binary", keys: { ageIdentities: [read("flux-kustomize-controller", "keys-age.txt")] } });
    expect(dec.text).toBe("value");
  });

  it("decryptSopsObject decrypts a parsed manifest of any kind", async () => {
    const obj = parseYaml(read("isindir-sops-secrets-operator", "00-test-secrets.yaml")) as unknown;
    expect(isSopsEncrypted(obj)).toBe(true);
    expect(isSopsEncrypted({ kind: "Secret" })).toBe(false);
    const plain = await decryptSopsObject(obj, { ageIdentities: [read("isindir-sops-secrets-operator", "key-file.txt")] });
    expect(plain).not.toHaveProperty("sops");
    expect(plain).toMatchObject({ kind: "SopsSecret" });
    expect(JSON.stringify(plain)).not.toContain("ENC[");
  });

  it("ssh-rsa age stanzas (OpenSSH-format and PEM RSA keys)", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ format: "pem", type: "pkcs1" }).toString();
    const jwk = publicKey.export({ format: "jwk" });
    const mp = (b64: string): Buffer => {
      const b = Buffer.from(b64, "base64url");
      return (b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.alloc(1), b]) : b;
    };
    const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, (b.length >> 8) & 0xff, b.length & 0xff]), b]);
    const wire = Buffer.concat([str(Buffer.from("ssh-rsa")), str(mp(jwk.e ?? "")), str(mp(jwk.n ?? ""))]);
    const stanzas = await sshRecipient(`ssh-rsa ${wire.toString("base64")}`).wrapFileKey(new Uint8Array(16).fill(7));
    expect(stanzas[0]?.args[0]).toBe("ssh-rsa");
    const fileKey = await sshIdentity(pem).unwrapFileKey(stanzas);
    expect(Buffer.from(fileKey ?? []).equals(Buffer.alloc(16, 7))).toBe(true);
  });

  it("Go number formatting and yaml.v3 scalar typing", () => {
    expect(formatFloatF(1234568000)).toBe("1234568000");
    expect(formatFloatF(0.000001)).toBe("0.000001");
    expect(formatFloatF(25.4)).toBe("25.4");
    expect(formatFloatG(1234568000)).toBe("1.234568e+09");
    expect(formatFloatG(3.14)).toBe("3.14");
    expect(resolveYamlV3Plain("0777")).toBe(511n);
    expect(resolveYamlV3Plain("0x1F")).toBe(31n);
    expect(resolveYamlV3Plain("1_000")).toBe(1000n);
    expect(resolveYamlV3Plain("yes")).toBe("yes");
    expect(resolveYamlV3Plain("True")).toBe(true);
    expect(resolveYamlV3Plain("2024-01-01")).toBe("2024-01-01");
    expect(resolveYamlV3Plain("~")).toBe(null);
    expect(resolveYamlV3Plain("1e3")).toBe(1000);
  });

  it("Shamir split/combine round trips with any threshold-sized subset", () => {
    const secret = randomBytes(32);
    const shares = shamirSplit(secret, 5, 3, random);
    expect(Buffer.from(shamirCombine([shares[0], shares[2], shares[4]])).equals(secret)).toBe(true);
    expect(Buffer.from(shamirCombine([shares[1], shares[3]])).equals(secret)).toBe(false);
  });

  it(".sops.yaml creation rules (flux fixture): first match wins, key groups and regexes", () => {
    const rules = parseSopsConfig(read("flux-kustomize-controller", "dot-sops.yaml"));
    expect(creationRuleFor(rules, "inside.yaml")?.keyGroups).toEqual([[{ type: "pgp", fp: "35C1A64CD7FC0AB6EB66756B2445463C3234ECE1" }]]);
    expect(creationRuleFor(rules, "secret.yaml")?.rules.encryptedRegex).toBe("^(data|stringData)$");
    expect(creationRuleFor(rules, "other.bin")?.keyGroups.length).toBe(2);
  });
});
