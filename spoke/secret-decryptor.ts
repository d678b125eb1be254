import { createHash } from "node:crypto";
import { isFlotillaError, silentLogger, type Logger } from "../core/index.js";
import {
  decryptSopsObject,
  isSopsEncrypted,
  unsealFleetSealedSecret,
  unsealSealedSecret,
  type KeyRing,
  type SopsResolvedKeyRing,
} from "../crypto/open.js";
import { SKIP_OWNER_REFERENCES_ANNOTATION, type FleetSealedSecretManifest, type SealedSecretManifest } from "../crypto/seal.js";
import { canonicalJson, refOf, refSubject, type KubeObject } from "../kube/index.js";
import { SPOKE_ERROR, SpokeError } from "./spoke-errors.js";

/** Where the decryptor gets keys; both are loaded from Secrets in the spoke's namespace. */
export interface DecryptionKeys {
  readonly sealing: KeyRing | undefined;
  readonly sops: SopsResolvedKeyRing | undefined;
  /** Changes whenever either ring changes, so cached plaintext from old keys is dropped. */
  readonly version: string;
}

export interface DecryptedApp {
  /** Objects to apply: encrypted objects replaced or accompanied by their plaintext Secrets. */
  readonly objects: KubeObject[];
  /** SealedSecrets applied as themselves (their status is set to Synced after apply, as the controller does). */
  readonly sealedSecrets: KubeObject[];
  /**
   * Names of the SealedSecrets whose Secret gets a controller ownerReference to them, as the
   * controller sets one (all but those whose template says `skip-set-owner-references: "true"`).
   */
  readonly owners: ReadonlySet<string>;
}

const SEALED_SECRET = "bitnami.com/SealedSecret";
const FLEET_SEALED_SECRET = "flotilla.dev/FleetSealedSecret";

function groupKind(obj: KubeObject): string {
  const slash = obj.apiVersion.indexOf("/");
  return `${slash < 0 ? "" : obj.apiVersion.slice(0, slash)}/${obj.kind}`;
}

export function isEncryptedObject(obj: KubeObject): boolean {
  const gk = groupKind(obj);
  return gk === SEALED_SECRET || gk === FLEET_SEALED_SECRET || isSopsEncrypted(obj);
}

/**
 * Turns SealedSecret, FleetSealedSecret and SOPS objects into plaintext objects, locally.
 * Results are cached by the digest of the ciphertext object (and key version), so a resync with
 * unchanged ciphertext performs no RSA or age operation at all. Errors never carry plaintext: the
 * crypto modules scrub their messages and we add only the object's subject.
 */
export class SecretDecryptor {
  readonly #cluster: string;
  readonly #logger: Logger;
  readonly #cache = new Map<string, Opened>();
  #keysVersion = "";

  constructor(options: { cluster: string; logger?: Logger }) {
    this.#cluster = options.cluster;
    this.#logger = options.logger ?? silentLogger();
  }

  /** Cache entries (for tests and metrics). */
  get cacheSize(): number {
    return this.#cache.size;
  }

  async decryptApp(app: string, objects: readonly KubeObject[], keys: DecryptionKeys): Promise<DecryptedApp> {
    if (keys.version !== this.#keysVersion) {
      this.#cache.clear();
      this.#keysVersion = keys.version;
    }
    const out: KubeObject[] = [];
    const sealedSecrets: KubeObject[] = [];
    const owners = new Set<string>();
    for (const obj of objects) {
      if (!isEncryptedObject(obj)) {
        out.push(obj);
        continue;
      }
      const digest = createHash("sha256").update(canonicalJson(obj)).digest("hex");
      let opened = this.#cache.get(digest);
      if (opened === undefined) {
        opened = await this.#decryptOne(app, obj, keys);
        this.#cache.set(digest, opened);
      }
      if (opened.sealedSecret !== undefined) {
        const sealed = structuredClone(opened.sealedSecret);
        sealedSecrets.push(sealed);
        out.push(sealed);
        if (!skipsOwnerReferences(sealed)) owners.add(ownerKey(sealed.metadata.namespace, sealed.metadata.name));
      }
      out.push(structuredClone(opened.plain));
    }
    return { objects: out, sealedSecrets, owners };
  }

  /**
   * SOPS first, then Sealed Secrets (a SOPS-encrypted SealedSecret file is opened twice, as Flux
   * and the controller would). Any object with SOPS metadata or ciphertext goes through SOPS
   * decryption with its MAC verified; there is no way to have it applied as it is.
   */
  async #decryptOne(app: string, obj: KubeObject, keys: DecryptionKeys): Promise<Opened> {
    const subject = refSubject(refOf(obj));
    try {
      let current = obj;
      if (isSopsEncrypted(obj)) {
        if (keys.sops === undefined) throw new SpokeError(SPOKE_ERROR.keys, "no SOPS key is loaded");
        current = (await decryptSopsObject(obj, keys.sops, { logger: this.#logger })) as KubeObject;
      }
      const gk = groupKind(current);
      if (gk !== SEALED_SECRET && gk !== FLEET_SEALED_SECRET) return { plain: current };
      if (keys.sealing === undefined) throw new SpokeError(SPOKE_ERROR.keys, "no sealing key is loaded");
      const secret =
        gk === SEALED_SECRET
          ? unsealSealedSecret(current as unknown as SealedSecretManifest, keys.sealing)
          : unsealFleetSealedSecret(current as unknown as FleetSealedSecretManifest, this.#cluster, keys.sealing);
      return { plain: secret as unknown as KubeObject, ...(gk === SEALED_SECRET ? { sealedSecret: current } : {}) };
    } catch (err) {
      // The crypto modules' messages carry codes, fields and positions only (a template error never
      // its function's text); the original error is not kept as a cause so nothing can log it.
      const code = typeof (err as { code?: unknown }).code === "string" ? (err as { code: string }).code : "UNKNOWN";
      this.#logger.warn({ app, object: subject, code }, "decryption failed");
      const field = (err as { field?: unknown }).field;
      const detail = isFlotillaError(err) ? err.message : "internal error";
      throw new SpokeError(SPOKE_ERROR.decrypt, `${subject}: ${code}: ${detail}${typeof field === "string" && !detail.includes(field) ? ` (${field})` : ""}`, { field: subject });
    }
  }
}

/** Upstream reads the annotation from the template, i.e. the Secret's own annotations. */
function skipsOwnerReferences(sealed: KubeObject): boolean {
  const template = (sealed.spec as { template?: { metadata?: { annotations?: Record<string, unknown> } } } | undefined)?.template;
  return template?.metadata?.annotations?.[SKIP_OWNER_REFERENCES_ANNOTATION] === "true";
}

/** Key of a SealedSecret (and of its Secret, same namespace and name) before namespace defaulting. */
export function ownerKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ""}/${name ?? ""}`;
}

/** What one encrypted object became: its plaintext object, and the SealedSecret to apply beside it. */
interface Opened {
  readonly plain: KubeObject;
  readonly sealedSecret?: KubeObject | undefined;
}
