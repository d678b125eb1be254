import { existsSync } from "node:fs";
import { delimiter, resolve } from "node:path";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

// kubectl installed by scripts/install-kubectl.sh lives in .tools/bin; the tests run `kubectl` by name.
const toolsBin = resolve(import.meta.dirname, ".tools", "bin");
if (existsSync(toolsBin)) process.env.PATH = `${toolsBin}${delimiter}${process.env.PATH ?? ""}`;

// The interop project reads real files from other projects (getsops, Flux, …) that are not ours to
// ship. It runs only when a fixture pack is named; otherwise `npm test` says so once, plainly.
const interopDir = process.env.FLOTILLA_INTEROP_FIXTURES;
const interop: TestProjectInlineConfiguration[] = [];
if (interopDir !== undefined && interopDir !== "") {
  if (!existsSync(resolve(interopDir))) throw new Error(`FLOTILLA_INTEROP_FIXTURES=${interopDir}: no such directory`);
  interop.push({
    test: {
      name: "interop",
      include: ["test/interop/**/*.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      env: { FLOTILLA_INTEROP_FIXTURES: resolve(interopDir) },
    },
  });
} else if (process.env.VITEST_WORKER_ID === undefined) {
  console.log("NOTICE: the interop project (test/interop, upstream SOPS and kubeseal files) was not run: set FLOTILLA_INTEROP_FIXTURES to a fixture pack to run it.");
}

// Tiers (STYLE.md §12): fast unit tests beside the source, integration tests against real
// processes in test/, attacks an insider would try in test/security, whole-product end-to-end tests
// in test/e2e, and interop against other projects' files when a pack is given.
export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["{core,crds,template,helm,crypto,protocol,kube,gitops,hub,spoke,cli,devcluster,demo}/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/security/**", "test/interop/**"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "security",
          include: ["test/security/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      ...interop,
    ],
  },
});
