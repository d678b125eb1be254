import { defineConfig } from "vitest/config";

// Three tiers (STYLE.md §12): fast unit tests beside the source, integration tests against real
// processes in test/, and whole-product end-to-end tests in test/e2e.
export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["{core,crds,template,crypto,protocol,kube,gitops,hub,spoke,cli,devcluster,demo}/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
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
    ],
  },
});
