import { inClusterTarget } from "./in-cluster.js";
import { loadKubeconfig } from "./kubeconfig.js";
import type { KubeTarget } from "./kube-target.js";

export interface LoadKubeTargetOptions {
  /** A kubeconfig file; undefined = the in-cluster service account. */
  readonly kubeconfig?: string | undefined;
  /** A context of that kubeconfig other than its current-context. */
  readonly context?: string | undefined;
  /** The process environment (KUBERNETES_SERVICE_HOST/PORT for in-cluster). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the service account is mounted (tests); default SERVICE_ACCOUNT_DIR. */
  readonly serviceAccountDir?: string | undefined;
}

/** The API server a Flotilla component talks to: `--kubeconfig` (and `--context`), else in-cluster. */
export function loadKubeTarget(options: LoadKubeTargetOptions): KubeTarget {
  if (options.kubeconfig !== undefined) return loadKubeconfig(options.kubeconfig, { context: options.context });
  return inClusterTarget({ env: options.env, serviceAccountDir: options.serviceAccountDir });
}
