import { describe, expect, it } from "vitest";
import { confinePath, joinRepoPath } from "./repo-path.js";
import { SnapshotBuilder, memorySnapshot } from "./repo-snapshot.js";
import { parseYamlDocuments } from "./yaml-documents.js";
import { isGitOpsError } from "./gitops-errors.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isGitOpsError(err) ? err.code : "OTHER";
  }
  return undefined;
}

describe("path confinement", () => {
  it.each([
    ["apps/web", "apps/web"],
    ["./apps//web/", "apps/web"],
    ["apps/../base", "base"],
    ["", ""],
  ])("%s → %s", (input, want) => {
    expect(confinePath(input)).toBe(want);
  });

  it.each(["../x", "apps/../../x", "/etc/passwd", "a\\b", "a\0b"])("%s is refused", (input) => {
    expect(codeOf(() => confinePath(input))).toBe("GITOPS_PATH_ESCAPE");
  });

  it("joins relative symlink targets inside the repository only", () => {
    expect(joinRepoPath("apps/web", "../base/x.yaml")).toBe("apps/base/x.yaml");
    expect(codeOf(() => joinRepoPath("apps", "../../x"))).toBe("GITOPS_PATH_ESCAPE");
  });
});

describe("snapshots", () => {
  it("follow in-repo symlinks and refuse those that leave it", () => {
    const builder = new SnapshotBuilder("test");
    builder.add("base/a.yaml", { kind: "file", data: new TextEncoder().encode("a: 1") });
    builder.add("apps/link.yaml", { kind: "symlink", target: "../base/a.yaml" });
    builder.add("apps/out.yaml", { kind: "symlink", target: "../../etc/passwd" });
    builder.add("apps/abs.yaml", { kind: "symlink", target: "/etc/passwd" });
    const snap = builder.build("rev");
    expect(snap.readText("apps/link.yaml")).toBe("a: 1");
    expect(codeOf(() => snap.read("apps/out.yaml"))).toBe("GITOPS_PATH_ESCAPE");
    expect(codeOf(() => snap.read("apps/abs.yaml"))).toBe("GITOPS_PATH_ESCAPE");
    expect(snap.directories()).toEqual(["apps", "base"]);
  });

  it("enforce the file-size and file-count limits", () => {
    const limits = { maxFiles: 2, maxFileBytes: 4, maxTotalBytes: 100 };
    const snap = memorySnapshot({ "small.txt": "abc", "big.txt": "abcdefgh" }, { limits });
    expect(snap.readText("small.txt")).toBe("abc");
    expect(codeOf(() => snap.read("big.txt"))).toBe("GITOPS_TOO_LARGE");
    expect(codeOf(() => memorySnapshot({ a: "1", b: "2", c: "3" }, { limits }))).toBe("GITOPS_TOO_LARGE");
    expect(codeOf(() => snap.read("missing.txt"))).toBe("GITOPS_NOT_FOUND");
  });
});

describe("parseYamlDocuments", () => {
  it("gives each document its line and skips empty ones", () => {
    const docs = parseYamlDocuments("a: 1\n---\n---\n# only a comment\nb: 2\n", "f.yaml");
    expect(docs.map((d) => [d.value, d.line])).toEqual([
      [{ a: 1 }, 1],
      [{ b: 2 }, 5],
    ]);
  });

  it("reports a syntax error with the file and line", () => {
    try {
      parseYamlDocuments("a: 1\n---\nb: [1,\n  c: d\n", "bad.yaml");
      expect.unreachable();
    } catch (err) {
      expect(isGitOpsError(err) && err.code).toBe("GITOPS_PARSE");
      expect(isGitOpsError(err) && err.file).toBe("bad.yaml");
      expect(isGitOpsError(err) && err.field).toMatch(/^line \d+$/);
    }
  });

  it("rejects a document that is not a mapping", () => {
    expect(codeOf(() => parseYamlDocuments("- a\n- b\n", "list.yaml"))).toBe("GITOPS_INVALID");
  });

  it("caps alias expansion (billion laughs)", () => {
    const bomb = ["a: &a [x,x,x,x,x,x,x,x,x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join("\n");
    expect(codeOf(() => parseYamlDocuments(bomb, "bomb.yaml"))).toBe("GITOPS_PARSE");
  });
});
