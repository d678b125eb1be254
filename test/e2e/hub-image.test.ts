import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, stat, symlink } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/index.js";
import { ProcessSupervisor } from "../../demo/index.js";
import { makeGitRepo, REPO_ROOT, startHubProcess, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { exampleFleetFiles } from "./fleet-files.js";

// The hub image holds no private-key code (issue: "hub image without crypto/open"). No container
// engine runs here, so this replays Dockerfile.hub's own strip step on a copy of dist/ — the `rm`
// list and the `grep` guard are read from the Dockerfile, so the two cannot drift — and then runs a
// real hub from what is left, against nats-server and a git repo.

const run = promisify(execFile);
const supervisor = new ProcessSupervisor({ logger: silentLogger() });
let dir: string;
let nats: NatsServerHandle;
let repo: GitRepo;
let dockerfile: string;

/** The paths the Dockerfile's `rm -rf` deletes after the build (shell globs on file names). */
function removedPaths(text: string): string[] {
  const joined = text.replace(/\\\n/g, " ");
  const rm = /rm -rf ([^&]+)&&/.exec(joined)?.[1];
  if (rm === undefined) throw new Error("Dockerfile.hub has no `rm -rf … &&` step");
  return rm.trim().split(/\s+/);
}

/** The Dockerfile's guard: `! grep -rlE "<pattern>" <paths>`. */
function grepGuard(text: string): { pattern: RegExp; paths: string[] } {
  const m = /! grep -rlE "([^"]+)" ([^\n]+)/.exec(text.replace(/\\\n/g, " "));
  if (m?.[1] === undefined || m[2] === undefined) throw new Error("Dockerfile.hub has no `! grep -rlE` guard");
  return { pattern: new RegExp(m[1]), paths: m[2].trim().split(/\s+/) };
}

async function deleteGlob(root: string, spec: string): Promise<number> {
  const slash = spec.lastIndexOf("/");
  const parent = join(root, spec.slice(0, slash));
  const name = spec.slice(slash + 1);
  if (!name.includes("*")) {
    const existed = existsSync(join(parent, name));
    await rm(join(parent, name), { recursive: true, force: true });
    return existed ? 1 : 0;
  }
  const re = new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  let removed = 0;
  for (const entry of existsSync(parent) ? await readdir(parent) : []) {
    if (!re.test(entry)) continue;
    await rm(join(parent, entry), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** A file, or every file below a directory. */
async function filesAt(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  dockerfile = await readFile(join(REPO_ROOT, "Dockerfile.hub"), "utf8");
  dir = await mkdtemp(join(tmpdir(), "flotilla-hub-image-"));
  await cp(join(REPO_ROOT, "dist"), join(dir, "dist"), { recursive: true });
  await cp(join(REPO_ROOT, "package.json"), join(dir, "package.json"));
  await cp(join(REPO_ROOT, "crds"), join(dir, "crds"), { recursive: true });
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  nats = await startNats();
  repo = await makeGitRepo(await exampleFleetFiles());
});

afterAll(async () => {
  await supervisor.stopAll();
  await nats?.stop();
  await repo?.remove();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("the hub image (Dockerfile.hub's strip step, replayed)", () => {
  it("deletes every module that can open a secret, and the guard finds no reference to one", async () => {
    const paths = removedPaths(dockerfile);
    expect(paths).toEqual(expect.arrayContaining(["dist/spoke", "dist/crypto/open.*", "dist/crypto/sops/decrypt*", "dist/crypto/sealed/open*", "dist/crypto/sealed/unseal*"]));
    let removed = 0;
    for (const path of paths) removed += await deleteGlob(dir, path);
    expect(removed).toBeGreaterThan(10);
    for (const gone of ["dist/crypto/open.js", "dist/spoke/index.js", "dist/cli/main.js"]) expect(existsSync(join(dir, gone)), gone).toBe(false);

    const guard = grepGuard(dockerfile);
    const scanned: string[] = [];
    for (const path of guard.paths) {
      for (const file of await filesAt(join(dir, path))) {
        scanned.push(file);
        expect(guard.pattern.test(await readFile(file, "utf8")), file).toBe(false);
      }
    }
    expect(scanned.length).toBeGreaterThan(10);
  });

  it("runs a real hub from what is left: it renders the fleet and serves the API", async () => {
    const entry = join(dir, "dist", "cli", "hub-image", "main.js");
    const help = await run(process.execPath, [entry, "hub", "--help"]);
    expect(help.stdout).toContain("--nats");
    // It offers the hub and nothing else: the sealing commands are not in the image.
    const seal = await run(process.execPath, [entry, "seal"]).catch((err: { code?: number; stderr?: string }) => err);
    expect(seal).toMatchObject({ code: 2, stderr: "error[USAGE]: unknown command 'seal'\n" });
    // It renders the example fleet and lists every cluster.
    const { url } = await startHubProcess({ supervisor, fleet: "image", natsUrl: nats.url, repoDir: repo.dir, workDir: dir, entry, clusters: 3 });
    const body = (await (await fetch(`${url}/api/v1/clusters`)).json()) as { items: { name: string }[] };
    expect(body.items.map((c) => c.name)).toEqual(expect.arrayContaining(["prod-eu", "prod-us", "staging"]));
    expect((await fetch(`${url}/api/v1/hub-key`)).status).toBe(200);
  });
});
