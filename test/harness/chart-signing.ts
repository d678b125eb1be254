import { createHash } from "node:crypto";
import * as openpgp from "openpgp";

// Throwaway OpenPGP keys made at test time, and `.prov` files laid out as helm's
// Signatory.ClearSign writes them (Chart.yaml, `...`, then the archive's sha256 by file name).

export interface TestSigningKey {
  readonly privateKey: openpgp.PrivateKey;
  /** The public key, armored (what `--keyring` reads). */
  readonly armoredPublicKey: string;
}

export async function makeSigningKey(name = "Chart Signer", email = "charts@example.com"): Promise<TestSigningKey> {
  const made = await openpgp.generateKey({ type: "ecc", curve: "curve25519Legacy", userIDs: [{ name, email }], format: "object" });
  return { privateKey: made.privateKey, armoredPublicKey: made.publicKey.armor() };
}

export async function signChartProvenance(key: openpgp.PrivateKey, bytes: Uint8Array, fileName: string, chartYaml: string): Promise<string> {
  const sum = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const text = `${chartYaml.replace(/\n*$/u, "\n")}\n...\nfiles:\n  ${fileName}: ${sum}\n`;
  return openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys: key });
}
