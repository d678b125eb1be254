import { readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { join } from "node:path";
import { KubeError, KUBE_ERROR } from "./kube-errors.js";
import type { KubeTarget } from "./kube-target.js";

/** Where the kubelet mounts a pod's service account (token, ca.crt, namespace). */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface InClusterOptions {
  /** KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT come from here (the caller's process env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default SERVICE_ACCOUNT_DIR; tests point it at a temp dir. */
  readonly serviceAccountDir?: string | undefined;
}

/**
 * client-go's rest.InClusterConfig: the API server from the service env vars, the CA from
 * `ca.crt`, the pod's namespace, and the token *file* (not its content): the kubelet rotates the
 * projected token, so the transport reads it again before each request.
 */
export function inClusterTarget(options: InClusterOptions): KubeTarget {
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = options.env.KUBERNETES_SERVICE_HOST;
  const port = options.env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || host === "" || port === undefined || port === "") {
    throw new KubeError(KUBE_ERROR.config, "not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset) and no kubeconfig given", { field: "--kubeconfig", userError: true });
  }
  let caPem: string;
  try {
    caPem = readFileSync(join(dir, "ca.crt"), "utf8");
  } catch {
    throw new KubeError(KUBE_ERROR.config, "cannot read the service account CA", { file: join(dir, "ca.crt"), userError: true });
  }
  let namespace = "default";
  try {
    namespace = readFileSync(join(dir, "namespace"), "utf8").trim() || "default";
  } catch {
    // Not mounted (automountServiceAccountToken with a custom volume): keep `default`, as client-go.
  }
  return {
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    caPem,
    insecureSkipTlsVerify: false,
    namespace,
    user: { tokenFile: join(dir, "token") },
    baseDir: dir,
    source: "in-cluster",
  };
}
