import { existsSync } from "node:fs";
import { join } from "node:path";
import { FlotillaError } from "../core/index.js";
import { formatManifest, parseManifests, parseSealingCertificate, type OutputFormat, type SealingCertificate } from "../crypto/seal.js";
import type { RestKube } from "../kube/index.js";
import type { CliContext } from "./context.js";
import { kubeClientFor } from "./spoke.js";

/** kubeseal's flags that locate the controller (ours is a spoke run with --sealed-secrets-controller). */
export interface ControllerFlags {
  readonly controllerName: string;
  readonly controllerNamespace: string;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

/** kubeseal's kubeconfig lookup: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else in-cluster. */
function kubeconfigPath(ctx: CliContext, flags: ControllerFlags): string | undefined {
  if (flags.kubeconfig !== undefined) return flags.kubeconfig;
  const env = ctx.env.KUBECONFIG?.split(":")[0];
  if (env !== undefined && env !== "") return env;
  const home = ctx.env.HOME;
  if (home !== undefined && existsSync(join(home, ".kube", "config"))) return join(home, ".kube", "config");
  return undefined;
}

function failure(code: string, message: string, field?: string): FlotillaError {
  return new FlotillaError(code, message, { field, userError: true });
}

/**
 * What kubeseal does with a cluster (pkg/kubeseal/kubeseal.go), through the API server's service
 * proxy to the controller's Service: fetch the active certificate, validate SealedSecrets and have
 * them re-encrypted server-side. No private key ever leaves the cluster.
 */
export class ControllerSealing {
  readonly #client: RestKube;
  readonly #flags: ControllerFlags;
  #port: string | undefined;

  constructor(ctx: CliContext, flags: ControllerFlags) {
    this.#flags = flags;
    this.#client = kubeClientFor(kubeconfigPath(ctx, flags), { fieldManager: "flotilla", qps: 5, burst: 10, context: flags.context }, ctx, ctx.logger());
  }

  /** `getServicePortName`: the Service's first port's name. */
  async #portName(): Promise<string> {
    if (this.#port !== undefined) return this.#port;
    const { controllerName: name, controllerNamespace: namespace } = this.#flags;
    const service = await this.#client.get({ apiVersion: "v1", kind: "Service", namespace, name }).catch(() => undefined);
    if (service === undefined) {
      throw failure(
        "SEALED_CONTROLLER_NOT_FOUND",
        `cannot get sealed secret service ${namespace}/${name}. Please, use the flag --controller-name and --controller-namespace to set up the name and namespace of the sealed secrets controller`,
        "--controller-name",
      );
    }
    const ports = (service.spec as { ports?: Array<{ name?: string }> } | undefined)?.ports ?? [];
    this.#port = ports[0]?.name ?? "";
    return this.#port;
  }

  async #call(path: string, body?: string): Promise<{ status: number; body: string }> {
    const port = await this.#portName();
    return this.#client.serviceProxy({
      namespace: this.#flags.controllerNamespace,
      service: this.#flags.controllerName,
      port,
      path,
      ...(body === undefined ? {} : { method: "POST" as const, body, contentType: "application/json" }),
    });
  }

  /** `--fetch-cert`: the PEM the controller serves. */
  async fetchCertificate(): Promise<string> {
    const answer = await this.#call("/v1/cert.pem");
    if (answer.status !== 200) throw failure("SEALED_FETCH_CERT_FAILED", `cannot fetch certificate: HTTP ${String(answer.status)}: ${answer.body.trim().slice(0, 300)}`);
    return answer.body;
  }

  /** The controller's certificate, parsed (sealing with no --cert, as kubeseal). */
  async certificate(now: number): Promise<SealingCertificate> {
    return parseSealingCertificate(await this.fetchCertificate(), { file: `service ${this.#flags.controllerNamespace}/${this.#flags.controllerName}`, now });
  }

  /** `--validate`: every SealedSecret in the input must open in the cluster. */
  async validate(text: string, file: string): Promise<void> {
    for (const doc of parseManifests(text, file)) {
      const raw = (doc.metadata as { name?: unknown } | undefined)?.name;
      const name = typeof raw === "string" ? raw : "";
      const answer = await this.#call("/v1/verify", JSON.stringify(doc));
      if (answer.status === 409) throw failure("SEALED_VALIDATE_FAILED", `unable to decrypt sealed secret: ${name}`);
      if (answer.status !== 200) throw failure("SEALED_VALIDATE_FAILED", `cannot validate sealed secret: HTTP ${String(answer.status)}: ${answer.body.trim().slice(0, 300)}`);
    }
  }

  /** `--re-encrypt`: each SealedSecret re-sealed by the controller with its newest key. */
  async reEncrypt(text: string, file: string, format: OutputFormat): Promise<string> {
    const out: string[] = [];
    for (const doc of parseManifests(text, file)) {
      const answer = await this.#call("/v1/rotate", JSON.stringify(doc));
      if (answer.status === 409) throw failure("SEALED_REENCRYPT_FAILED", "unable to rotate secret");
      if (answer.status !== 200) throw failure("SEALED_REENCRYPT_FAILED", `cannot re-encrypt secret: HTTP ${String(answer.status)}: ${answer.body.trim().slice(0, 300)}`);
      const resealed = JSON.parse(answer.body) as { metadata?: Record<string, unknown> };
      // As kubeseal: server-set fields are not written back into the file.
      if (resealed.metadata !== undefined) for (const k of ["creationTimestamp", "deletionTimestamp", "generation", "resourceVersion", "uid", "managedFields"]) delete resealed.metadata[k];
      delete (resealed as { status?: unknown }).status;
      out.push(formatManifest(resealed, format));
    }
    return out.join("");
  }
}
