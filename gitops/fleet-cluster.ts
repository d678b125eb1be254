import { parseCluster } from "../crds/index.js";
import type { KubeObject } from "../kube/kube-object.js";
import { isFlotillaError } from "../core/index.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";

/** The Argo CD label that marks a Secret as a cluster definition. */
export const ARGO_SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type";

/** One cluster of the fleet as generators and the bundle see it, whichever file declared it. */
export interface FleetCluster {
  readonly name: string;
  /** The API server URL; `flotilla://<name>` when a Cluster does not say. */
  readonly server: string;
  readonly project: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** `spec.values` of a Cluster (templates see them under `.values`, below generator values). */
  readonly values: Readonly<Record<string, string>>;
  readonly sealingCertificateFingerprint?: string | undefined;
  /** Where it was declared: a Flotilla `Cluster` or an Argo CD cluster `Secret`. */
  readonly declaredBy: "Cluster" | "ArgoSecret";
  readonly file?: string | undefined;
}

export function defaultServer(name: string): string {
  return `flotilla://${name}`;
}

export function isArgoClusterSecret(obj: Record<string, unknown>): boolean {
  if (obj["kind"] !== "Secret" || obj["apiVersion"] !== "v1") return false;
  const meta = obj["metadata"] as { labels?: Record<string, unknown> } | undefined;
  return meta?.labels?.[ARGO_SECRET_TYPE_LABEL] === "cluster";
}

export function isClusterObject(obj: Record<string, unknown>): boolean {
  return (obj["kind"] === "Cluster" && obj["apiVersion"] === "flotilla.dev/v1alpha1") || isArgoClusterSecret(obj);
}

/**
 * Reads a Cluster or an Argo CD cluster Secret (`name`, `server`, `project` in `data` (base64) or
 * `stringData`). Only those three keys are read: the Secret's `config` holds credentials and is
 * never touched, logged or echoed.
 */
export function clusterFromObject(obj: Record<string, unknown>, file?: string): FleetCluster {
  if (isArgoClusterSecret(obj)) return clusterFromArgoSecret(obj as unknown as KubeObject, file);
  try {
    const cluster = parseCluster(obj, file);
    const name = cluster.metadata.name;
    return {
      name,
      server: cluster.spec?.server ?? defaultServer(name),
      project: cluster.spec?.project ?? "",
      labels: cluster.metadata.labels ?? {},
      annotations: cluster.metadata.annotations ?? {},
      values: cluster.spec?.values ?? {},
      sealingCertificateFingerprint: cluster.spec?.sealingCertificateFingerprint ?? cluster.status?.sealingCertificateFingerprint,
      declaredBy: "Cluster",
      file,
    };
  } catch (err) {
    if (isFlotillaError(err)) throw new GitOpsError(GITOPS_ERROR.invalid, `invalid Cluster: ${err.message}`, { file, field: err.field, cause: err });
    throw err;
  }
}

function secretField(secret: KubeObject, key: string, file: string | undefined): string | undefined {
  const stringData = secret["stringData"] as Record<string, unknown> | undefined;
  const fromString = stringData?.[key];
  if (typeof fromString === "string") return fromString;
  const data = secret["data"] as Record<string, unknown> | undefined;
  const encoded = data?.[key];
  if (encoded === undefined) return undefined;
  if (typeof encoded !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/u.test(encoded.replace(/\s/gu, ""))) {
    throw new GitOpsError(GITOPS_ERROR.invalid, "not valid base64", { file, field: `data.${key}` });
  }
  return Buffer.from(encoded, "base64").toString("utf8");
}

function clusterFromArgoSecret(secret: KubeObject, file: string | undefined): FleetCluster {
  const name = secretField(secret, "name", file);
  const server = secretField(secret, "server", file);
  if (name === undefined || name === "") {
    throw new GitOpsError(GITOPS_ERROR.invalid, "an Argo CD cluster Secret needs `name` in data or stringData", { file, field: "data.name" });
  }
  if (server === undefined || server === "") {
    throw new GitOpsError(GITOPS_ERROR.invalid, "an Argo CD cluster Secret needs `server` in data or stringData", { file, field: "data.server" });
  }
  return {
    name,
    server,
    project: secretField(secret, "project", file) ?? "",
    labels: secret.metadata.labels ?? {},
    annotations: secret.metadata.annotations ?? {},
    values: {},
    declaredBy: "ArgoSecret",
    file,
  };
}
