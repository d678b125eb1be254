import { stringify } from "yaml";

export interface KubeconfigOptions {
  readonly name: string;
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
}

/** A kubeconfig with one cluster, one token user and one current context, all named `name`. */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const { name } = options;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: options.server, "certificate-authority-data": Buffer.from(options.caPem).toString("base64") } }],
    users: [{ name, user: { token: options.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: "default" } }],
    "current-context": name,
    preferences: {},
  });
}
