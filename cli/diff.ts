import { FlotillaError } from "../core/index.js";
import { diffManifests, maskSecret, renderFleet, type AppRender } from "../gitops/index.js";
import type { KubeObject } from "../kube/kube-object.js";
import type { CommandRegistrar } from "./context.js";
import { collect } from "./flag-collectors.js";
import { hubApiFor } from "./hub-api.js";
import { DEFAULT_HUB_URL, hubUrlFrom } from "./hub-url.js";

interface DiffFlags {
  hub?: string;
  authToken?: string;
  cluster?: string[];
  app?: string[];
  revision?: string;
  appsetPath?: string;
  clustersPath?: string;
}

interface PublishedManifests {
  revision: string | null;
  apps: { name: string; namespace: string | null; objects: KubeObject[] }[];
}

/**
 * `flotilla diff [REPO]`: render the local fleet repository (its working tree by default) and show,
 * per cluster and app, what would change compared with what the hub last published, as unified
 * diffs, like `argocd app diff --local` and `flux diff kustomization`. Exits 1 when something differs
 * (as `kubectl diff` does). The hub masks plain Secret values, so for those only keys are compared.
 */
export const registerDiff: CommandRegistrar = (program, ctx) => {
  program
    .command("diff")
    .description("show what a local change would change on each cluster, against what the hub last published (exit 1 when something differs)")
    .argument("[repo]", "the fleet repository (a local path)", ".")
    .option("--hub <url>", `hub URL (default $FLOTILLA_HUB or ${DEFAULT_HUB_URL})`)
    .option("--auth-token <token>", "the hub's read or API token when it protects reads (default $FLOTILLA_HUB_TOKEN)")
    .option("--cluster <name>", "only this cluster (repeatable)", collect)
    .option("--app <name>", "only this app (repeatable)", collect)
    .option("--revision <rev>", "render this commit instead of the working tree")
    .option("--appset-path <dir>", "where ApplicationSets are searched (default: the whole repository)")
    .option("--clusters-path <dir>", "where clusters are declared", "clusters")
    .action(async (repo: string, flags: DiffFlags) => {
      const render = await renderFleet({
        source: repo,
        revision: flags.revision,
        workingTree: flags.revision === undefined,
        clusterFilter: flags.cluster,
        appFilter: flags.app,
        appSetPath: flags.appsetPath,
        clustersPath: flags.clustersPath,
        cwd: ctx.cwd,
        allowLocalRepos: true,
        logger: ctx.logger(),
      });
      const missing = (flags.cluster ?? []).filter((n) => !render.clusters.some((c) => c.name === n));
      if (missing.length > 0) throw new FlotillaError("GITOPS_NOT_FOUND", `no cluster named ${missing.map((m) => JSON.stringify(m)).join(", ")} in the fleet`, { field: "--cluster" });
      for (const e of render.errors) ctx.stderr.write(`error[${e.code}]: ${e.file === undefined ? "" : `${e.file}: `}${e.message}\n`);
      const hub = hubApiFor(hubUrlFrom(flags.hub, ctx), flags.authToken, ctx);
      let changed = 0;
      let failed = render.errors.length;
      for (const cluster of render.clusters) {
        const published = await hub.get<PublishedManifests>(`/api/v1/clusters/${encodeURIComponent(cluster.name)}/manifests`).catch((err: unknown) => {
          if (err instanceof FlotillaError && err.code === "HUB_NOT_FOUND") return { revision: null, apps: [] } satisfies PublishedManifests;
          throw err;
        });
        const local = new Map<string, AppRender>(cluster.apps.map((a) => [a.name, a]));
        const names = [...new Set([...local.keys(), ...published.apps.map((a) => a.name).filter((n) => flags.app === undefined || flags.app.includes(n))])].sort();
        for (const name of names) {
          const mine = local.get(name);
          if (mine?.error !== undefined) {
            failed += 1;
            ctx.stderr.write(`error[${mine.error.code}]: ${cluster.name}/${name}: ${mine.error.file === undefined ? "" : `${mine.error.file}: `}${mine.error.message}\n`);
            continue;
          }
          const theirs = published.apps.find((a) => a.name === name);
          // The hub sends Secret values masked: mask ours the same way, so only keys are compared.
          const after = (mine?.objects ?? []).map((o) => (o.kind === "Secret" ? maskSecret(o) : o));
          const diffs = diffManifests(theirs?.objects ?? [], after, { beforeLabel: `hub@${(published.revision ?? "none").slice(0, 7)}`, afterLabel: "local", namespace: mine?.namespace ?? theirs?.namespace ?? undefined });
          for (const d of diffs) {
            changed += 1;
            ctx.stdout.write(`===== ${cluster.name} ${name} ${d.change} ${d.id}\n${d.diff.endsWith("\n") ? d.diff : `${d.diff}\n`}`);
          }
        }
      }
      if (failed > 0) throw new FlotillaError("GITOPS_RENDER_FAILED", `${String(failed)} problem(s) above: the local change does not render`);
      if (changed > 0) throw new FlotillaError("DIFF_FOUND", `${String(changed)} object(s) would change`);
    });
};
