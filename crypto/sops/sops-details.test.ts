import { generateKeyPairSync, randomBytes } from "node:crypto";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { sshIdentity, sshRecipient } from "./age-ssh.js";
import { decryptSopsObject, isSopsEncrypted } from "./decrypt.js";
import { encryptSopsText } from "./encrypt.js";
import { formatFloatF, formatFloatG, resolveYamlV3Plain } from "./go-values.js";
import { shamirCombine, shamirSplit } from "./shamir.js";

const random = (n: number): Uint8Array => randomBytes(n);

// Details of sops' behaviour that need no upstream file; files from other projects are checked in
// test/interop when a fixture pack is given.
describe("sops details", () => {
  it("decryptSopsObject decrypts a parsed manifest of any kind", async () => {
    const id = await generateX25519Identity();
    const src = "apiVersion: isindir.github.com/v1alpha3\nkind: SopsSecret\nmetadata:\n  name: s\nspec:\n  secretTemplates:\n    - name: t\n      stringData:\n        token: value-1\n";
    const enc = await encryptSopsText(src, { format: "yaml", keyGroups: [[{ type: "age", recipient: await identityToRecipient(id) }]], rules: { encryptedSuffix: "Templates" }, random, clock: { now: () => 0 } });
    const obj = parseYaml(enc) as unknown;
    expect(isSopsEncrypted(obj)).toBe(true);
    expect(isSopsEncrypted({ kind: "Secret" })).toBe(false);
    const plain = await decryptSopsObject(obj, { ageIdentities: [id] });
    expect(plain).not.toHaveProperty("sops");
    expect(plain).toMatchObject({ kind: "SopsSecret", spec: { secretTemplates: [{ stringData: { token: "value-1" } }] } });
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

});
