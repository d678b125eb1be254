/**
 * The import rules of ARCHITECTURE.md, enforced in `npm run check` (npm run depcheck).
 * `core/` (the error base, logger and clock types) is the one module every other may import.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const ours = "^(core|crds|template|helm|crypto|protocol|kube|gitops|hub|spoke|cli|devcluster|demo|test|bench|scripts)/";

/** A rule that lets `from` import only the listed top-level modules of ours (and itself). */
function onlyImports(name, from, allowed, except) {
  const allowedRe = `^(${[from, "core", ...allowed].join("|")})/`;
  return {
    name,
    severity: "error",
    comment: `${from}/ may import only ${["core", ...allowed].join(", ")} of ours`,
    from: { path: `^${from}/`, pathNot: except === undefined ? "\\.test\\.ts$" : `\\.test\\.ts$|^${except}/` },
    to: { path: ours, pathNot: allowedRe },
  };
}

module.exports = {
  forbidden: [
    {
      name: "core-is-a-leaf",
      severity: "error",
      comment: "core/ imports nothing of ours",
      from: { path: "^core/" },
      to: { path: ours, pathNot: "^core/" },
    },
    onlyImports("crds-is-a-leaf", "crds", []),
    onlyImports("template-is-a-leaf", "template", []),
    onlyImports("kube-is-a-leaf", "kube", []),
    // Charts are rendered from a file map: no disk, network or cluster in helm/.
    onlyImports("helm-imports-only-template", "helm", ["template"]),
    onlyImports("crypto-imports-only-template", "crypto", ["template"]),
    onlyImports("protocol-imports-only-crds", "protocol", ["crds"]),
    onlyImports("gitops-imports-crds-template-helm-protocol-kube", "gitops", ["crds", "template", "helm", "protocol", "kube"]),
    onlyImports("devcluster-imports-only-crds", "devcluster", ["crds"]),
    // The demo drives the product only as a user would: child processes, git and the hub's HTTP API.
    onlyImports("demo-imports-only-core", "demo", []),
    // Conformance scripts run the built CLI against upstream checkouts, as a user would; Sprig's and
    // semver's tables test single functions, which no command exposes, so those call template/.
    onlyImports("scripts-import-only-core", "scripts", [], "scripts/conformance/sprig"),
    onlyImports("sprig-conformance-imports-only-template", "scripts/conformance/sprig", ["template"]),
    {
      name: "hub-never-imports-spoke",
      severity: "error",
      from: { path: "^hub/" },
      to: { path: "^spoke/" },
    },
    {
      name: "hub-never-opens-secrets",
      severity: "error",
      comment: "the hub never holds a private key: no crypto/open, no SOPS decryption",
      from: { path: "^hub/" },
      to: { path: "^crypto/(open|sops/decrypt|sealed/open)" },
    },
    {
      name: "only-spoke-and-cli-open-secrets",
      severity: "error",
      from: { path: ours, pathNot: "^(spoke|cli|crypto|test|bench)/|\\.test\\.ts$" },
      to: { path: "^crypto/open" },
    },
    {
      name: "spoke-never-imports-hub",
      severity: "error",
      from: { path: "^spoke/" },
      to: { path: "^hub/" },
    },
    {
      name: "production-never-imports-tests",
      severity: "error",
      from: { path: ours, pathNot: "^(test|bench)/|\\.test\\.ts$" },
      to: { path: "^test/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|node_modules|coverage|examples)/|^(eslint|vitest)\\.config\\.|^\\.dependency-cruiser" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
