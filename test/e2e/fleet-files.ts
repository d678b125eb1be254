import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { REPO_ROOT, type RepoFiles } from "../harness/index.js";

/** Every file of examples/fleet (or another directory), as a RepoFiles map for makeGitRepo. */
export async function exampleFleetFiles(dir = join(REPO_ROOT, "examples", "fleet")): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files[relative(dir, full)] = await readFile(full, "utf8");
    }
  };
  await walk(dir);
  return files;
}

export type { RepoFiles };
