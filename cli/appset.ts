import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { stringify } from "yaml";
import { FlotillaError } from "../core/index.js";
import {
  applicationSetFromText,
  clustersFromFiles,
  generateApplications,
  isRemoteUrl,
  openGitSource,
  type FleetCluster,
  type GitSource,
  type RepoResolver,
  type RepoSnapshot,
} from "../gitops/index.js";
import type { CommandRegistrar } from "./context.js";
import { gitCredentials } from "./render.js";

const MAX_INPUT_BYTES = 4 * 1024 * 1024;

async function readBounded(path: string, label: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new FlotillaError("GITOPS_NOT_FOUND", `cannot read ${label}`, { file: path });
  }
  if (size > MAX_INPUT_BYTES) throw new FlotillaError("GITOPS_TOO_LARGE", `file is ${size} bytes, over the limit of ${MAX_INPUT_BYTES}`, { file: path });
  return readFile(path, "utf8");
}

async function yamlFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFilesUnder(full)));
    else if (entry.isFile() && /\.(ya?ml|json)$/iu.test(entry.name)) out.push(full);
  }
  return out;
}

export const registerAppset: CommandRegistrar = (program, ctx) => {
  const appset = program.command("appset").description("work with ApplicationSets");
  appset
    .command("generate")
    .description("expand one ApplicationSet into its Applications (like argocd appset generate)")
    .argument("<file>", "a file holding the ApplicationSet (flotilla.dev or argoproj.io)")
    .option("--clusters <dir>", "a directory of Cluster objects and/or Argo CD cluster Secrets")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--revision <rev>", "git generators read this commit of local repositories (default: their working tree, uncommitted changes included)")
    .action(async (file: string, opts: { clusters?: string; output: string; revision?: string }) => {
      if (opts.output !== "yaml" && opts.output !== "json") {
        throw new FlotillaError("INVALID_FLAG", `unknown output format "${opts.output}" (use yaml or json)`, { field: "--output" });
      }
      const path = resolve(ctx.cwd, file);
      const appSet = applicationSetFromText(await readBounded(path, "the ApplicationSet file"), file);
      let clusters: FleetCluster[] = [];
      if (opts.clusters !== undefined) {
        const dir = resolve(ctx.cwd, opts.clusters);
        const files = await Promise.all(
          (await yamlFilesUnder(dir)).map(async (f) => ({ path: relative(ctx.cwd, f), text: await readBounded(f, "a cluster file") })),
        );
        clusters = clustersFromFiles(files);
      }
      const auth = gitCredentials(ctx.env);
      const sources = new Map<string, Promise<GitSource>>();
      const repo: RepoResolver = async (repoURL, revision): Promise<RepoSnapshot> => {
        let source = sources.get(repoURL);
        if (source === undefined) {
          source = openGitSource({ url: repoURL, auth, cwd: ctx.cwd, logger: ctx.logger(), workingTree: opts.revision === undefined });
          sources.set(repoURL, source);
        }
        const opened = await source;
        // --revision names a commit of the local repositories the generators read; remote ones keep their own revision.
        return opened.checkout(opts.revision !== undefined && !isRemoteUrl(repoURL) ? opts.revision : revision);
      };
      const apps = await generateApplications(appSet, { clusters, repo, file });
      if (opts.output === "json") ctx.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items: apps }, null, 2)}\n`);
      else ctx.stdout.write(apps.map((app) => `---\n${stringify(app, { lineWidth: 0 })}`).join(""));
    });
};
