import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { semverCompare } from "../../../template/sprig/semver.js";

/**
 * `node dist/scripts/conformance/sprig/semver-tables.js /path/to/semver-checkout`
 *
 * Runs the `{constraint, version, want}` rows of Masterminds/semver's TestConstraintCheck and
 * TestConstraintsCheck (constraints_test.go) through our `semverCompare` and prints passed/total
 * and the failures. A row whose constraint Go cannot parse expects `false`; we count an error as false.
 * Helm 3.17 and Sprig v3.3 vendor semver v3.3.0; v3.4 changed prerelease handling in AND groups.
 */
const dir = process.argv[2];
if (dir === undefined) {
  console.error("usage: semver-tables.js SEMVER_CHECKOUT");
  process.exit(2);
}
if (!existsSync(join(dir, "constraints_test.go"))) {
  console.error(`semver-tables: ${dir} is not a Masterminds/semver checkout (no constraints_test.go)`);
  process.exit(2);
}
const src = readFileSync(join(dir, "constraints_test.go"), "utf8");
let failed = 0;
for (const test of ["TestConstraintCheck", "TestConstraintsCheck"]) {
  const start = src.indexOf(`func ${test}(`);
  if (start < 0) continue;
  const body = src.slice(start, src.indexOf("\nfunc ", start + 10));
  let pass = 0;
  let total = 0;
  for (const m of body.matchAll(/\{\s*"([^"]*)",\s*"([^"]*)",\s*(true|false)\s*\}/g)) {
    // TestConstraintCheck calls parseConstraint directly, where "" means "*"; NewConstraint (what
    // semverCompare uses) rejects "" before that, so those rows do not apply.
    if (test === "TestConstraintCheck" && m[1] === "") {
      console.log(`  not run ${test}: "" ${JSON.stringify(m[2])}: parseConstraint-only case`);
      continue;
    }
    total++;
    let got: boolean;
    try {
      got = semverCompare(m[1] ?? "", m[2] ?? "");
    } catch {
      got = false;
    }
    if (String(got) === m[3]) pass++;
    else console.log(`  FAIL ${test}: ${JSON.stringify(m[1])} ${JSON.stringify(m[2])} want ${m[3]}`);
  }
  failed += total - pass;
  console.log(`${test}: ${pass}/${total}`);
}
process.exit(failed === 0 ? 0 : 1);
