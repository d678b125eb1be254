import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { interopFixturePath } from "../harness/index.js";
import { openEncryptedValue } from "../../crypto/sops/aes-value.js";
import { decryptSopsObject, decryptSopsText, isSopsEncrypted } from "../../crypto/sops/decrypt.js";
import { encryptSopsText } from "../../crypto/sops/encrypt.js";
import { unwrapSopsDataKey } from "../../crypto/sops/decrypt-rekey.js";
import { parseSopsConfig, creationRuleFor } from "../../crypto/sops/sops-config.js";

const read = (...p: string[]): string => readFileSync(interopFixturePath("sops", ...p), "utf8");
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

  it(".sops.yaml creation rules (flux fixture): first match wins, key groups and regexes", () => {
    const rules = parseSopsConfig(read("flux-kustomize-controller", "dot-sops.yaml"));
    expect(creationRuleFor(rules, "inside.yaml")?.keyGroups).toEqual([[{ type: "pgp", fp: "35C1A64CD7FC0AB6EB66756B2445463C3234ECE1" }]]);
    expect(creationRuleFor(rules, "secret.yaml")?.rules.encryptedRegex).toBe("^(data|stringData)$");
    expect(creationRuleFor(rules, "other.bin")?.keyGroups.length).toBe(2);
  });
});
