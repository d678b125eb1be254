/**
 * Where a Kubernetes API server is and how to authenticate to it: what a kubeconfig context (or the
 * in-cluster service account) resolves to. Pure data; the loaders in kubeconfig.ts and in-cluster.ts
 * build it, kube-transport.ts uses it.
 */

/** A `client.authentication.k8s.io` exec credential plugin, as a kubeconfig `user.exec` names it. */
export interface ExecPluginConfig {
  /** `client.authentication.k8s.io/v1` or `/v1beta1`: the ExecCredential version it speaks. */
  readonly apiVersion: string;
  /** Absolute, on PATH, or relative to the kubeconfig's directory when it contains a slash (client-go). */
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the spoke's own environment for the plugin. */
  readonly env: Readonly<Record<string, string>>;
  /** `Never`, `IfAvailable` or `Always`. A spoke has no terminal: `Always` cannot work. */
  readonly interactiveMode: string;
  /** Passed in KUBERNETES_EXEC_INFO `spec.cluster` when true. */
  readonly provideClusterInfo: boolean;
  /** Printed (as client-go does) when the command is not found. */
  readonly installHint?: string | undefined;
}

/** The credentials of a kubeconfig user. Several may be set (a token and a client certificate). */
export interface KubeUser {
  readonly token?: string | undefined;
  /** Read again before every request, so a rotated token (projected service account) is picked up. */
  readonly tokenFile?: string | undefined;
  /** PEM client certificate and key (from files or `-data`, read at load time). */
  readonly clientCertificate?: { readonly certPem: string; readonly keyPem: string } | undefined;
  readonly exec?: ExecPluginConfig | undefined;
}

export interface KubeTarget {
  /** `https://host:port[/prefix]` */
  readonly server: string;
  /** PEM of the CA bundle to trust; undefined = the system roots. */
  readonly caPem?: string | undefined;
  readonly insecureSkipTlsVerify: boolean;
  /** SNI / certificate name to verify instead of the URL's host (`tls-server-name`). */
  readonly tlsServerName?: string | undefined;
  /** Namespace for namespaced objects that carry none (context namespace, else `default`). */
  readonly namespace: string;
  readonly user: KubeUser;
  /** Directory relative exec commands resolve against (the kubeconfig's directory). */
  readonly baseDir: string;
  /** Where this came from, for error messages: a kubeconfig path or `in-cluster`. */
  readonly source: string;
}
