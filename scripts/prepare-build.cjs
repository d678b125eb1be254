// npm's `prepare` (after `npm ci` / `npm install` in a clone): builds dist/ so `npx flotilla` works
// at once. With --omit=dev there is no TypeScript to build with; say so and leave dist/ alone
// instead of failing the install (the Docker images build dist/ themselves).
const { spawnSync } = require("node:child_process");
const { chmodSync } = require("node:fs");

let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc");
} catch {
  console.log("prepare: typescript is not installed (npm ci --omit=dev?); dist/ was not built: run `npm ci` then `npm run build`");
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
// tsc writes files 0644; npx runs the package's bin directly, so it must be executable.
if (result.status === 0) chmodSync("dist/cli/main.js", 0o755);
process.exit(result.status ?? 1);
