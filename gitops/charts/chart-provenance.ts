import { createHash } from "node:crypto";
import type * as openpgp from "openpgp";
import { parse as parseYaml } from "yaml";
import { isPlainObject } from "../generators/param-utils.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";

// Helm's pkg/provenance (v3.17.2) Signatory.Verify: a chart's `.prov` is a PGP clearsigned
// message whose text is the chart's Chart.yaml, a `...` line, then `files: {<archive name>:
// sha256:<hex>}`. The signature must verify against a key of the keyring, then the archive's
// sha256 must be the one listed for its file name.

type Where = { readonly file?: string | undefined; readonly field: string };

/** Public keys to verify provenance with (helm's `--keyring`, armored or binary like ~/.gnupg/pubring.gpg). */
export interface ChartKeyring {
  readonly keys: readonly openpgp.PublicKey[];
}

export interface ProvenanceVerification {
  /** The signer's first user ID (or its key ID when it has none). */
  readonly signedBy: string;
  /** `sha256:<hex>` of the archive. */
  readonly fileHash: string;
  readonly fileName: string;
}

/** openpgp is large; load it only when provenance is verified. */
async function pgp(): Promise<typeof openpgp> {
  return import("openpgp");
}

/** Reads a keyring file (armored or binary public keys); GITOPS_CHART_SIGNATURE when it holds none. */
export async function readChartKeyring(bytes: Uint8Array, where: Where): Promise<ChartKeyring> {
  const lib = await pgp();
  const text = new TextDecoder().decode(bytes.subarray(0, 64));
  try {
    const keys = text.includes("-----BEGIN PGP") ? await lib.readKeys({ armoredKeys: new TextDecoder().decode(bytes) }) : await lib.readKeys({ binaryKeys: bytes });
    return { keys: keys.map((k) => k.toPublic()) };
  } catch {
    throw new GitOpsError(GITOPS_ERROR.chartSignature, "failed to load keyring: no OpenPGP public key in it", where);
  }
}

/**
 * Verifies `prov` (the `.prov` text) for the archive `bytes` named `fileName`. Throws
 * GITOPS_CHART_SIGNATURE (no signature, a broken one, or one by a key outside the keyring) or
 * GITOPS_CHART_DIGEST (no sum for the file, or another sum).
 */
export async function verifyChartProvenance(bytes: Uint8Array, fileName: string, prov: string, keyring: ChartKeyring, where: Where): Promise<ProvenanceVerification> {
  const lib = await pgp();
  let message: openpgp.CleartextMessage;
  try {
    message = await lib.readCleartextMessage({ cleartextMessage: prov });
  } catch {
    throw new GitOpsError(GITOPS_ERROR.chartSignature, `failed to decode signature of ${fileName}: signature block not found`, where);
  }
  let signedBy: string;
  try {
    const result = await lib.verify({ message, verificationKeys: [...keyring.keys], expectSigned: true });
    const keyID = result.signatures[0]?.keyID;
    const key = keyring.keys.find((k) => keyID !== undefined && k.getKeys(keyID).length > 0);
    signedBy = key?.getUserIDs()[0] ?? keyID?.toHex() ?? "unknown";
  } catch (err) {
    const why = err instanceof Error && /could not find signing key/iu.test(err.message) ? "signature made by a key that is not in the keyring" : "the signature does not verify";
    throw new GitOpsError(GITOPS_ERROR.chartSignature, `provenance of ${fileName}: ${why}`, where);
  }
  const parts = message.getText().split("\n...\n");
  if (parts.length < 2) throw new GitOpsError(GITOPS_ERROR.chartSignature, `provenance of ${fileName}: message block must have at least two parts`, where);
  let sums: unknown;
  try {
    sums = parseYaml(parts[1], { maxAliasCount: 10 });
  } catch {
    throw new GitOpsError(GITOPS_ERROR.chartSignature, `provenance of ${fileName}: the file sums do not parse`, where);
  }
  const files = isPlainObject(sums) && isPlainObject(sums["files"]) ? sums["files"] : {};
  const fileHash = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const listed = files[fileName];
  if (typeof listed !== "string") throw new GitOpsError(GITOPS_ERROR.chartDigest, `provenance does not contain a SHA for a file named ${JSON.stringify(fileName)}`, where);
  if (listed !== fileHash) throw new GitOpsError(GITOPS_ERROR.chartDigest, `sha256 sum does not match for ${fileName}: ${JSON.stringify(listed)} != ${JSON.stringify(fileHash)}`, where);
  return { signedBy, fileHash, fileName };
}
