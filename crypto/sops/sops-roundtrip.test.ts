import { randomBytes } from "node:crypto";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { decryptSopsText } from "./decrypt.js";
import { encryptSopsText } from "./encrypt.js";
import { rotateSopsText, updateSopsKeys } from "./decrypt-rekey.js";
import type { KeySpec } from "./data-key.js";
import type { SopsFormat } from "./sops-store.js";

const clock = { now: () => Date.parse("2026-11-23T10:00:00Z") };
const random = (n: number): Uint8Array => randomBytes(n);

let ageId: string;
let ageRecipient: string;
let ageId2: string;
let ageRecipient2: string;
let pgpPrivate: string;
let pgpPublic: string;
let pgpFp: string;

beforeAll(async () => {
  ageId = await generateX25519Identity();
  ageRecipient = await identityToRecipient(ageId);
  ageId2 = await generateX25519Identity();
  ageRecipient2 = await identityToRecipient(ageId2);
  const key = await openpgp.generateKey({ type: "ecc", curve: "curve25519Legacy", userIDs: [{ name: "flotilla test" }], format: "armored" });
  pgpPrivate = key.privateKey;
  pgpPublic = key.publicKey;
  pgpFp = (await openpgp.readKey({ armoredKey: pgpPublic })).getFingerprint().toUpperCase();
});

const YAML_SRC = `# top comment
apiVersion: v1
kind: Secret
metadata:
  name: demo # the name
  namespace: default
stringData:
  # the password, rotated monthly
  password: hunter2-secret-value
  port: "5432"
  count: 7
  ratio: 2.5
  enabled: true
  list:
    - one
    - 2
  empty: ""
zebra_unencrypted: stays clear
alpha: last
`;

const SOURCES: Record<SopsFormat, string> = {
  yaml: YAML_SRC,
  json: `{\n\t"zeta": "hunter2-secret-value",\n\t"0word": 1,\n\t"nested": {"b": [1, 2.5, true, null], "a": "x"},\n\t"big": 9007199254740993\n}\n`,
  dotenv: `# comment line\nDB_PASSWORD=hunter2-secret-value\nEMPTY=\nMULTI=a\\nb\n`,
  ini: `; a section comment\n[db]\npassword = hunter2-secret-value\nuser     = admin\n\n[other]\nkey = value\n`,
  binary: "line one hunter2-secret-value\nline two\n",
};

describe("encrypt → decrypt round trips", () => {
  for (const format of Object.keys(SOURCES) as SopsFormat[]) {
    it(`${format}: plaintext, key order and comments survive; the secret is not in the ciphertext`, async () => {
      const src = SOURCES[format];
      const enc = await encryptSopsText(src, { format, keyGroups: [[{ type: "age", recipient: ageRecipient }]], random, clock });
      expect(enc).not.toContain("hunter2-secret-value");
      expect(enc).toContain("ENC[AES256_GCM,data:");
      const dec = await decryptSopsText(enc, { format, keys: { ageIdentities: [ageId] } });
      expect(dec.macVerified).toBe(true);
      expect(dec.metadata.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(dec.metadata.lastModified).toBe("2026-11-23T10:00:00Z");
      if (format === "yaml") {
        expect(dec.text).toBe(src);
        expect(Object.keys(dec.data as object)).toEqual(["apiVersion", "kind", "metadata", "stringData", "zebra_unencrypted", "alpha"]);
        expect(enc).toContain("zebra_unencrypted: stays clear");
        expect(enc).toMatch(/^#ENC\[AES256_GCM,data:/m);
        expect(enc).toMatch(/enc: \|\n\s+-----BEGIN AGE ENCRYPTED FILE-----/);
      } else if (format === "json") {
        expect(dec.text).toBe(`{\n\t"zeta": "hunter2-secret-value",\n\t"0word": 1,\n\t"nested": {\n\t\t"b": [\n\t\t\t1,\n\t\t\t2.5,\n\t\t\ttrue,\n\t\t\tnull\n\t\t],\n\t\t"a": "x"\n\t},\n\t"big": 9007199254740993\n}\n`);
      } else {
        expect(dec.text).toBe(src);
      }
    });
  }

  it("yaml keeps every comment and decrypts to the same data", async () => {
    const enc = await encryptSopsText(YAML_SRC, { format: "yaml", keyGroups: [[{ type: "age", recipient: ageRecipient }]], random, clock });
    const dec = await decryptSopsText(enc, { format: "yaml", keys: { ageIdentities: [ageId] } });
    expect(dec.data).toEqual(parseYaml(YAML_SRC));
    for (const c of ["top comment", "the name", "the password, rotated monthly"]) expect(dec.text).toContain(`# ${c}`);
  });

  it("encrypted_regex and mac_only_encrypted: only matching values are encrypted and the MAC covers only them", async () => {
    const enc = await encryptSopsText(YAML_SRC, {
      format: "yaml",
      keyGroups: [[{ type: "age", recipient: ageRecipient }]],
      rules: { encryptedRegex: "^(data|stringData)$", macOnlyEncrypted: true },
      random,
      clock,
    });
    expect(enc).toContain("name: demo");
    expect(enc).toContain("encrypted_regex: ^(data|stringData)$");
    expect(enc).toContain("mac_only_encrypted: true");
    // Editing a value outside the encrypted set does not break the MAC in mac_only_encrypted mode.
    const edited = enc.replace("name: demo", "name: other");
    const dec = await decryptSopsText(edited, { format: "yaml", keys: { ageIdentities: [ageId] } });
    expect((dec.data as { metadata: { name: string } }).metadata.name).toBe("other");
  });

  it("PGP, multiple recipients and Shamir key groups (2 of 3)", async () => {
    const groups: KeySpec[][] = [
      [{ type: "age", recipient: ageRecipient }],
      [{ type: "pgp", fp: pgpFp }],
      [{ type: "age", recipient: ageRecipient2 }],
    ];
    const enc = await encryptSopsText(YAML_SRC, { format: "yaml", keyGroups: groups, shamirThreshold: 2, keys: { pgpKeys: [pgpPublic] }, random, clock });
    expect(enc).toContain("shamir_threshold: 2");
    expect(enc).toContain("key_groups:");
    expect(enc).toMatch(/created_at: "2026-11-23T10:00:00Z"/);
    // Any two groups open it.
    for (const keys of [{ ageIdentities: [ageId, ageId2] }, { ageIdentities: [ageId2], pgpKeys: [pgpPrivate] }]) {
      const dec = await decryptSopsText(enc, { format: "yaml", keys });
      expect(dec.data).toEqual(parseYaml(YAML_SRC));
    }
    // One group is not enough.
    await expect(decryptSopsText(enc, { format: "yaml", keys: { ageIdentities: [ageId] } })).rejects.toMatchObject({
      code: "SOPS_NO_KEY_COULD_DECRYPT",
      message: expect.stringContaining("recovered 1 of the 2 key groups"),
    });
  });

  it("rotate changes the data key; updatekeys adds a recipient without touching values", async () => {
    const enc = await encryptSopsText(YAML_SRC, { format: "yaml", keyGroups: [[{ type: "age", recipient: ageRecipient }]], random, clock });
    const rotated = await rotateSopsText(enc, { format: "yaml", keys: { ageIdentities: [ageId] }, random, clock });
    expect(rotated).not.toBe(enc);
    expect((await decryptSopsText(rotated, { format: "yaml", keys: { ageIdentities: [ageId] } })).data).toEqual(parseYaml(YAML_SRC));
    const updated = await updateSopsKeys(enc, {
      format: "yaml",
      keys: { ageIdentities: [ageId] },
      keyGroups: [[{ type: "age", recipient: ageRecipient }, { type: "age", recipient: ageRecipient2 }]],
      random,
      clock,
    });
    expect(updated.changed).toBe(true);
    const dec = await decryptSopsText(updated.text, { format: "yaml", keys: { ageIdentities: [ageId2] } });
    expect(dec.data).toEqual(parseYaml(YAML_SRC));
    const body = (s: string): string => s.slice(0, s.indexOf("sops:"));
    expect(body(updated.text)).toBe(body(enc));
  });
});
