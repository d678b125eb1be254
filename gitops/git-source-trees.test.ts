import { afterEach, describe, expect, it } from "vitest";
import { makeGitRepo, type GitRepo, type RepoFiles } from "../test/harness/index.js";
import { openGitSource } from "./git-source.js";
import type { RepoSnapshot } from "./repo-snapshot.js";

function contents(s: RepoSnapshot): Record<string, string> {
  return Object.fromEntries(s.files().map((f) => [f, s.readText(f)]));
}

describe("git checkout reuses unchanged subtrees", () => {
  let repo: GitRepo | undefined;
  afterEach(async () => {
    await repo?.remove();
  });

  it("gives what a fresh checkout gives after changes, additions and deletions", async () => {
    repo = await makeGitRepo({ "clusters/a.yaml": "a: 1\n", "clusters/b.yaml": "b: 1\n", "apps/web/x.yaml": "x: 1\n", "apps/web/deep/y.yaml": "y: 1\n", "README.md": "r\n" });
    const kept = await openGitSource({ url: repo.dir });
    await kept.checkout("HEAD");
    const steps: RepoFiles[] = [{ "apps/web/x.yaml": "x: 2\n" }, { "clusters/c.yaml": "c: 1\n", "apps/web/deep/y.yaml": null }, { "README.md": "r2\n" }, { "apps/other/z.yaml": "z\n", "clusters/a.yaml": null }];
    for (const step of steps) {
      const commit = await repo.commit(step);
      const incremental = await kept.checkout("HEAD");
      const fresh = await (await openGitSource({ url: repo.dir })).checkout("HEAD");
      expect(incremental.revision).toBe(commit);
      expect(contents(incremental)).toEqual(contents(fresh));
      expect(incremental.directories()).toEqual(fresh.directories());
    }
  });

  it("still applies the file limit to subtrees it did not read again", async () => {
    repo = await makeGitRepo({ "clusters/a.yaml": "a\n", "clusters/b.yaml": "b\n", "clusters/c.yaml": "c\n" });
    const source = await openGitSource({ url: repo.dir, limits: { maxFiles: 4, maxFileBytes: 1024, maxTotalBytes: 1 << 20 } });
    await source.checkout("HEAD");
    await repo.commit({ "apps/x.yaml": "x\n", "apps/y.yaml": "y\n" });
    await expect(source.checkout("HEAD")).rejects.toMatchObject({ code: "GITOPS_TOO_LARGE" });
  });
});
