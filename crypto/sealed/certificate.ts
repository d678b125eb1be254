import { X509Certificate, createPublicKey, type KeyObject } from "node:crypto";
import { errorMessage } from "../../core/index.js";
import { publicKeyFingerprint } from "./fingerprint.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/** A sealing public key, as taken from the controller's certificate (or a bare PUBLIC KEY PEM). */
export interface SealingCertificate {
  readonly publicKey: KeyObject;
  readonly fingerprint: string;
  readonly bits: number;
  /** Milliseconds since the epoch; undefined for a bare public key. */
  readonly notBefore: number | undefined;
  readonly notAfter: number | undefined;
  /** The certificate's subject as OpenSSL prints it ("" for the controller default). */
  readonly subject: string;
  /** The PEM text it was parsed from (first certificate only). */
  readonly pem: string;
}

export interface ParseCertificateOptions {
  /** The file or flag it came from, for error messages. */
  readonly file?: string;
  /** When given, an expired certificate is rejected, like `kubeseal --cert`. */
  readonly now?: number;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/;
const PUBLIC_KEY_BLOCK = /-----BEGIN (RSA )?PUBLIC KEY-----[\s\S]*?-----END (RSA )?PUBLIC KEY-----/;

/** Parses the first certificate in a PEM bundle (upstream `ParseKey`), or a bare RSA public key. */
export function parseSealingCertificate(pemText: string, options: ParseCertificateOptions = {}): SealingCertificate {
  const file = options.file;
  const certPem = CERT_BLOCK.exec(pemText)?.[0];
  if (certPem === undefined) {
    const keyPem = PUBLIC_KEY_BLOCK.exec(pemText)?.[0];
    if (keyPem === undefined) {
      throw new SealedSecretsError(SEALED_ERROR.invalidCertificate, "no PEM certificate or public key found", { file });
    }
    const publicKey = wrap(() => createPublicKey(keyPem), file);
    return describe(publicKey, { notBefore: undefined, notAfter: undefined, subject: "", pem: keyPem }, file);
  }
  const cert = wrap(() => new X509Certificate(certPem), file);
  const notAfter = Date.parse(cert.validTo);
  if (options.now !== undefined && options.now > notAfter) {
    throw new SealedSecretsError(
      SEALED_ERROR.invalidCertificate,
      `failed to encrypt using an expired certificate (expired ${new Date(notAfter).toISOString().slice(0, 10)})`,
      { file },
    );
  }
  // Node returns undefined (despite its types) for the controller's empty subject.
  const subject = (cert.subject as string | undefined) ?? "";
  // The certificate's DER can parse while its key does not: `publicKey` decodes lazily and throws.
  const publicKey = wrap(() => cert.publicKey, file);
  return describe(publicKey, { notBefore: Date.parse(cert.validFrom), notAfter, subject, pem: certPem }, file);
}

function describe(
  publicKey: KeyObject,
  rest: Pick<SealingCertificate, "notBefore" | "notAfter" | "subject" | "pem">,
  file: string | undefined,
): SealingCertificate {
  if (publicKey.asymmetricKeyType !== "rsa") {
    throw new SealedSecretsError(SEALED_ERROR.invalidCertificate, `expected an RSA public key, found ${publicKey.asymmetricKeyType ?? "unknown"}`, {
      file,
    });
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  return { publicKey, fingerprint: publicKeyFingerprint(publicKey), bits, ...rest };
}

function wrap<T>(parse: () => T, file: string | undefined): T {
  try {
    return parse();
  } catch (err) {
    throw new SealedSecretsError(SEALED_ERROR.invalidCertificate, `not a valid PEM certificate or public key (${errorMessage(err)})`, {
      file,
      cause: err,
    });
  }
}
