import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import git from "isomorphic-git";

/** File path (relative, `/`-separated) → content. `null` deletes the file in commitFiles. */
export type RepoFiles = Readonly<Record<string, string | Uint8Array | null>>;

export interface GitRepo {
  readonly dir: string;
  /** Writes (or deletes, for null) the files, commits them and returns the new commit oid. */
  commit(files: RepoFiles, message?: string): Promise<string>;
  head(): Promise<string>;
  tag(name: string): Promise<void>;
  branch(name: string, checkout?: boolean): Promise<void>;
  remove(): Promise<void>;
}

const AUTHOR = { name: "Flotilla Test", email: "test@flotilla.invalid" } as const;

async function writeAndStage(dir: string, files: RepoFiles): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    if (content === null) {
      await rm(full, { force: true });
      await git.remove({ fs, dir, filepath: path });
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
    await git.add({ fs, dir, filepath: path });
  }
}

/**
 * Creates a real git repository (isomorphic-git, default branch `main`) with `files` committed.
 * Deterministic timestamps keep commit oids stable only if callers pass `timestamp`.
 */
export async function makeGitRepo(files: RepoFiles, options: { dir?: string; timestamp?: number } = {}): Promise<GitRepo> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "flotilla-repo-")));
  await git.init({ fs, dir, defaultBranch: "main" });
  let tick = options.timestamp;
  const repo: GitRepo = {
    dir,
    commit: async (changes, message = "update") => {
      await writeAndStage(dir, changes);
      const author = tick === undefined ? AUTHOR : { ...AUTHOR, timestamp: tick++, timezoneOffset: 0 };
      return git.commit({ fs, dir, message, author });
    },
    head: () => git.resolveRef({ fs, dir, ref: "HEAD" }),
    tag: (name) => git.tag({ fs, dir, ref: name }),
    branch: (name, checkout = false) => git.branch({ fs, dir, ref: name, checkout }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  await repo.commit(files, "initial commit");
  return repo;
}
