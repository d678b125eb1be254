import * as fs from "node:fs";
import { cp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import git from "isomorphic-git";
import { clusterManifest, type DemoCluster } from "./demo-clusters.js";

const AUTHOR = { name: "Flotilla Demo", email: "demo@flotilla.invalid" } as const;

/** Stages every change in the work tree (adds, edits, deletions) and commits it; returns the commit oid. */
export async function commitAll(dir: string, message: string): Promise<string> {
  for (const [filepath, head, workdir] of await git.statusMatrix({ fs, dir })) {
    if (workdir === 0 && head === 1) await git.remove({ fs, dir, filepath });
    else if (workdir === 2) await git.add({ fs, dir, filepath });
  }
  return git.commit({ fs, dir, message, author: AUTHOR });
}

export interface FleetRepoOptions {
  /** examples/fleet of the installed package. */
  readonly examplesDir: string;
  readonly repoDir: string;
  readonly clusters: readonly DemoCluster[];
  /** The SOPS-encrypted Secret (encrypted to the demo's own age key) that replaces the example's. */
  readonly sopsSecret: string;
}

/**
 * A fresh git repository holding examples/fleet for the demo's clusters: cluster definitions for
 * exactly those clusters, the SOPS Secret re-encrypted to a key the demo's clusters hold, and no
 * SealedSecret yet (the demo seals one for the fleet once the spokes have published their
 * certificates). Returns the first commit.
 */
export async function createFleetRepo(options: FleetRepoOptions): Promise<string> {
  const { repoDir } = options;
  await mkdir(repoDir, { recursive: true });
  await cp(options.examplesDir, repoDir, { recursive: true });
  const clustersDir = join(repoDir, "clusters");
  for (const file of await readdir(clustersDir)) await rm(join(clustersDir, file), { force: true });
  for (const cluster of options.clusters) {
    if (cluster.exampleFile !== undefined) await cp(join(options.examplesDir, "clusters", cluster.exampleFile), join(clustersDir, cluster.exampleFile));
    else await writeFile(join(clustersDir, `${cluster.name}.yaml`), clusterManifest(cluster));
  }
  await rm(join(repoDir, "apps", "payments", "sealedsecret.yaml"), { force: true });
  await writeFile(join(repoDir, "apps", "payments", "sops-secret.yaml"), options.sopsSecret);
  await git.init({ fs, dir: repoDir, defaultBranch: "main" });
  return commitAll(repoDir, "demo fleet from examples/fleet");
}
