import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { interopFixturePath } from "../harness/index.js";
import { decryptSopsText } from "../../crypto/sops/decrypt.js";
import { encryptSopsText } from "../../crypto/sops/encrypt.js";
import type { SopsFormat } from "../../crypto/sops/sops-store.js";

const clock = { now: () => Date.parse("2026-11-23T10:00:00Z") };
const random = (n: number): Uint8Array => randomBytes(n);

let ageId: string;
let ageRecipient: string;
beforeAll(async () => {
  ageId = await generateX25519Identity();
  ageRecipient = await identityToRecipient(ageId);
});

describe("the plaintext fixtures round-trip byte for byte", () => {
  // `exact`: the text comes back byte for byte (a final newline added); otherwise the yaml
  // package normalises quoted-key spacing, and data, key order and comments are compared.
  const files: [string, SopsFormat, boolean][] = [
    ["getsops-sops/functional-tests-comments.yaml", "yaml", true],
    ["getsops-sops/functional-tests-comments_list.yaml", "yaml", true],
    ["getsops-sops/functional-tests-plainfile.yaml", "yaml", true],
    ["isindir-sops-secrets-operator/00-raw-test-secrets.yaml", "yaml", false],
    ["isindir-sops-secrets-operator/04-raw-test-secrets-mac-only.yaml", "yaml", true],
    ["humphd-sops-age/secret.json", "json", false],
  ];
  for (const [file, format, exact] of files) {
    it(file, async () => {
      const src = readFileSync(interopFixturePath("sops", file), "utf8");
      const enc = await encryptSopsText(src, { format, keyGroups: [[{ type: "age", recipient: ageRecipient }]], random, clock });
      const dec = await decryptSopsText(enc, { format, keys: { ageIdentities: [ageId] } });
      expect(dec.macVerified).toBe(true);
      if (format === "yaml") {
        if (exact) expect(dec.text).toBe(src.endsWith("\n") ? src : `${src}\n`);
        expect(parseYaml(dec.text)).toEqual(parseYaml(src));
        expect(JSON.stringify(parseYaml(dec.text))).toBe(JSON.stringify(parseYaml(src)));
        for (const line of src.split("\n").filter((l) => /^\s*#/.test(l))) expect(dec.text).toContain(line.trim());
        // Every comment line of the source is encrypted in the file we write.
        for (const line of src.split("\n").filter((l) => /^\s*#/.test(l))) expect(enc).not.toContain(line.trim());
      } else expect(JSON.parse(dec.text)).toEqual(JSON.parse(src));
    });
  }
});
