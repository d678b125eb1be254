import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/index.js";

// A clone from a public Git host has no `../shared` beside it. Only the places that say where a
// file came from, and .ci/run's hand-over of the interop pack, may name it; nothing may read it.
const MAY_NAME_SHARED = new Set([".ci/run", "CONTRIBUTING.md", "test/fixtures/README.md", "test/fixtures/sealed-secrets/README.md", "docs/notes/nats-permissions.md", "test/repository-standalone.test.ts"]);

describe("the repository stands alone", () => {
  it("no tracked file but the provenance notes and .ci/run names ../shared", () => {
    const files = execFileSync("git", ["-C", REPO_ROOT, "ls-files"], { encoding: "utf8" }).split("\n").filter((f) => f !== "");
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((file) => !MAY_NAME_SHARED.has(file) && /(\.\.\/shared\b|shared\/(fixtures|notes)\b|FLOTILLA_SHARED)/.test(readFileSync(join(REPO_ROOT, file), "latin1")));
    expect(offenders).toEqual([]);
  });
});
