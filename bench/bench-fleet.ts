import * as fs from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import git from "isomorphic-git";
import { makeGitRepo, type GitRepo, type RepoFiles } from "../test/harness/index.js";

// The fleets the hub benches share. e2e-commit-to-converged and hub-incremental: one ApplicationSet
// `bench` placing 45 ConfigMaps and 5 Deployments on every cluster, and N Cluster files.

export const BENCH_CONFIGMAPS = 45;
export const BENCH_DEPLOYMENTS = 5;

export const BENCH_APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: bench
spec:
  goTemplate: true
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'bench-{{.name}}'
    spec:
      project: default
      source:
        repoURL: .
        targetRevision: HEAD
        path: apps/bench
      destination:
        name: '{{.name}}'
        namespace: bench
      syncPolicy:
        automated:
          prune: true
          selfHeal: true
`;

/** A ConfigMap with one `release` value: what a bench commit changes. */
export const releaseConfigMap = (name: string, release: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  release: "${release}"\n`;

/** The one manifest of `bench` every commit changes. */
export function releaseConfig(commit: number): RepoFiles {
  return { "apps/bench/config-00.yaml": releaseConfigMap("config-00", String(commit)) };
}

/** As clusterFile() in test/e2e/fleet-harness.ts. */
export function clusterYaml(name: string, env: string): string {
  return `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${name}\n  labels:\n    env: ${env}\n`;
}

/** The ApplicationSet `bench` and its 50 manifests (config-00 at release 0). */
export function benchAppFiles(): RepoFiles {
  const files: Record<string, string> = { "appsets/bench.yaml": BENCH_APPSET };
  for (let i = 1; i < BENCH_CONFIGMAPS; i++) {
    const name = `config-${String(i).padStart(2, "0")}`;
    files[`apps/bench/${name}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: value-${String(i)}\n  level: info\n`;
  }
  for (let i = 0; i < BENCH_DEPLOYMENTS; i++) {
    const name = `web-${String(i)}`;
    files[`apps/bench/${name}.yaml`] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
`;
  }
  return { ...files, ...releaseConfig(0) };
}

/**
 * The fleet repo: `files`, then one Cluster file per cluster (env prod and staging in turn), staged
 * with one `git add clusters` (makeGitRepo adds file by file, which rewrites the index each time:
 * about 4 minutes for 10 k files), then committed.
 */
export async function makeBenchFleetRepo(clusters: readonly string[], files: RepoFiles): Promise<GitRepo> {
  const repo = await makeGitRepo(files);
  await mkdir(join(repo.dir, "clusters"));
  for (const [i, c] of clusters.entries()) await writeFile(join(repo.dir, "clusters", `${c}.yaml`), clusterYaml(c, i % 2 === 0 ? "prod" : "staging"));
  await git.add({ fs, dir: repo.dir, filepath: "clusters" });
  await repo.commit({}, `${String(clusters.length)} clusters`);
  return repo;
}

/** The failover and soak benches' fleet: one ConfigMap `web` on every cluster, its `release` what each commit changes. */
export const WEB_APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'web-{{.name}}'
    spec:
      source: {repoURL: ., path: apps/web}
      destination: {name: '{{.name}}', namespace: web}
      syncPolicy: {automated: {prune: true}}
`;

export const webReleaseConfig = (n: number): string => releaseConfigMap("web", String(n));
