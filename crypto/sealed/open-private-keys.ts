import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { parseAllDocuments } from "yaml";
import { errorMessage } from "../../core/index.js";
import { publicKeyFingerprint } from "./fingerprint.js";
import { isRecord } from "./object-meta.js";
import type { SealingPrivateKey } from "./open-key-ring.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/** The label the controller puts on its key Secrets (value `active`). */
export const SEALING_KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";

const PRIVATE_KEY_BLOCK = /-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----[\s\S]*?-----END (RSA |ENCRYPTED )?PRIVATE KEY-----/g;
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/;

export interface ParseKeysOptions {
  /** The file name, for error messages. */
  readonly file?: string | undefined;
  /** Skip key Secrets whose sealed-secrets-key label is not `active` (what the controller loads). */
  readonly onlyActive?: boolean | undefined;
}

/**
 * Reads private keys the way `kubeseal --recovery-private-key` does: PEM (PKCS#1 or PKCS#8), a
 * key Secret, or a `kind: List` of them (YAML or JSON, several documents allowed). Error messages
 * never quote the input.
 */
export function parsePrivateKeys(text: string, options: ParseKeysOptions = {}): SealingPrivateKey[] {
  const file = options.file;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    const blocks = [...text.matchAll(PRIVATE_KEY_BLOCK)];
    if (blocks.length === 0) throw new SealedSecretsError(SEALED_ERROR.invalidPrivateKey, "unterminated PEM private key block", { file });
    return blocks.map((m, i) => keyFromPem(m[0], CERT_BLOCK.exec(text)?.[0], { file, field: blocks.length > 1 ? `PEM block ${i + 1}` : undefined }));
  }
  return keysFromObjects(parseDocuments(text), options);
}

function parseDocuments(text: string): unknown[] {
  try {
    return parseAllDocuments(text).flatMap((doc) => {
      if (doc.errors.length > 0) throw new Error("not YAML");
      return [doc.toJS() as unknown];
    });
  } catch {
    return [];
  }
}

/**
 * Keys from already-parsed objects: key Secrets and Lists of them (e.g. what a Kubernetes client
 * returned). Throws SEALED_INVALID_PRIVATE_KEY when none is found.
 */
export function keysFromObjects(docs: readonly unknown[], options: ParseKeysOptions = {}): SealingPrivateKey[] {
  const file = options.file;
  const secrets: { value: Record<string, unknown>; field: string }[] = [];
  docs.forEach((doc, d) => {
    if (!isRecord(doc)) return;
    if (doc.kind === "List" || doc.kind === "SecretList") {
      const items = Array.isArray(doc.items) ? (doc.items as unknown[]) : [];
      items.forEach((item, i) => {
        if (isRecord(item)) secrets.push({ value: item, field: `items[${i}]` });
      });
    } else if (doc.kind === "Secret" || (doc.kind === undefined && isRecord(doc.data))) {
      secrets.push({ value: doc, field: docs.length > 1 ? `document ${d + 1}` : "" });
    }
  });
  if (secrets.length === 0) {
    throw new SealedSecretsError(
      SEALED_ERROR.invalidPrivateKey,
      "no RSA private key found (expected a PEM PKCS#1/PKCS#8 key, a sealing key Secret or a List of them)",
      { file },
    );
  }
  const active = options.onlyActive === true ? secrets.filter(({ value }) => labelOf(value) === "active") : secrets;
  if (active.length === 0) throw new SealedSecretsError(SEALED_ERROR.noKeys, "no key Secret is labelled active", { file });
  return active.map(({ value, field }) => keyFromSecret(value, { file, field }));
}

function labelOf(secret: Record<string, unknown>): unknown {
  const metadata = isRecord(secret.metadata) ? secret.metadata : {};
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  return labels[SEALING_KEY_LABEL];
}

function keyFromSecret(secret: Record<string, unknown>, where: { file: string | undefined; field: string }): SealingPrivateKey {
  const data = isRecord(secret.data) ? secret.data : {};
  const prefix = where.field === "" ? "" : `${where.field}.`;
  const tlsKey = data["tls.key"];
  if (typeof tlsKey !== "string") {
    throw new SealedSecretsError(SEALED_ERROR.invalidPrivateKey, "secret must contain a 'tls.key' item", {
      file: where.file,
      field: `${prefix}data.tls.key`,
    });
  }
  const tlsCrt = data["tls.crt"];
  const certPem = typeof tlsCrt === "string" ? Buffer.from(tlsCrt, "base64").toString("utf8") : undefined;
  return keyFromPem(Buffer.from(tlsKey, "base64").toString("utf8"), certPem, { file: where.file, field: `${prefix}data.tls.key` });
}

/** One RSA private key from PEM, with its certificate when it is given and matches. */
export function keyFromPem(pem: string, certPem: string | undefined, where: { file?: string | undefined; field?: string | undefined } = {}): SealingPrivateKey {
  const fail = (message: string, cause?: unknown): SealedSecretsError =>
    new SealedSecretsError(SEALED_ERROR.invalidPrivateKey, message, { file: where.file, field: where.field, cause });
  if (/ENCRYPTED PRIVATE KEY/.test(pem)) throw fail("encrypted private keys are not supported");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch (err) {
    throw fail(`not a valid PEM private key (${errorMessage(err).replace(/[\r\n]+/g, " ")})`, err);
  }
  if (privateKey.asymmetricKeyType !== "rsa") throw fail(`unexpected private key type ${privateKey.asymmetricKeyType ?? "unknown"}, want RSA`);
  const publicKey = createPublicKey(privateKey);
  const fingerprint = publicKeyFingerprint(publicKey);
  let notBefore: number | undefined;
  let certificatePem: string | undefined;
  const block = certPem === undefined ? undefined : CERT_BLOCK.exec(certPem)?.[0];
  if (block !== undefined) {
    try {
      const cert = new X509Certificate(block);
      if (publicKeyFingerprint(cert.publicKey) === fingerprint) {
        notBefore = Date.parse(cert.validFrom);
        certificatePem = block;
      }
    } catch (err) {
      throw new SealedSecretsError(SEALED_ERROR.invalidCertificate, `not a valid certificate next to the key (${errorMessage(err)})`, {
        file: where.file,
        field: where.field?.replace(/tls\.key$/, "tls.crt"),
        cause: err,
      });
    }
  }
  return { fingerprint, privateKey, publicKey, bits: privateKey.asymmetricKeyDetails?.modulusLength ?? 0, certificatePem, notBefore };
}
