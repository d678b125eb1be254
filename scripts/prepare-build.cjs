// npm's `prepare` (after `npm ci` / `npm install` in a clone): builds dist/ so `npx flotilla` works
// at once. With --omit=dev there is no TypeScript to build with; say so and leave dist/ alone
// instead of failing the install (the Docker images build dist/ themselves).
const { spawnSync } = require("node:child_process");

let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc");
} catch {
  console.log("prepare: typescript is not installed (npm ci --omit=dev?); dist/ was not built: run `npm ci` then `npm run build`");
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
process.exit(result.status ?? 1);
