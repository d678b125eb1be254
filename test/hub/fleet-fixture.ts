import type { RepoFiles } from "../harness/index.js";

/** A small fleet repo, written the way an operator would: Cluster objects, one ApplicationSet, plain YAML apps. */
export function cluster(name: string, labels: Record<string, string>): string {
  const lines = Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`);
  return `apiVersion: flotilla.dev/v1alpha1
kind: Cluster
metadata:
  name: ${name}
  labels:
${lines.join("\n")}
spec:
  server: https://${name}.example.com
`;
}

export function webAppSet(options: { rolling?: boolean; selector?: string } = {}): string {
  const strategy = options.rolling === true
    ? `  strategy:
    type: RollingSync
    rollingSync:
      autoRollback: true
      steps:
      - matchExpressions:
        - key: wave
          operator: In
          values: [canary]
      - matchExpressions:
        - key: wave
          operator: In
          values: [main]
`
    : "";
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  goTemplate: true
  generators:
  - clusters:
      selector:
        matchLabels:
          env: ${options.selector ?? "prod"}
  template:
    metadata:
      name: 'web-{{.name}}'
      labels:
        wave: '{{index .metadata.labels "wave"}}'
    spec:
      project: default
      source:
        repoURL: .
        targetRevision: HEAD
        path: apps/web
      destination:
        name: '{{.name}}'
        namespace: web
      syncPolicy:
        automated:
          prune: true
${strategy}`;
}

export function webConfig(version: string): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  version: "${version}"
`;
}

export function baseFleet(version = "1", rolling = false): RepoFiles {
  return {
    "clusters/eu-1.yaml": cluster("eu-1", { env: "prod", wave: "canary" }),
    "clusters/us-1.yaml": cluster("us-1", { env: "prod", wave: "main" }),
    "clusters/dev-1.yaml": cluster("dev-1", { env: "dev", wave: "main" }),
    "appsets/web.yaml": webAppSet({ rolling }),
    "apps/web/config.yaml": webConfig(version),
  };
}
