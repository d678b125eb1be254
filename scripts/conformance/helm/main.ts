/**
 * Helm conformance runs (not part of `npm test`; they need upstream files or the helm binary):
 *
 *   node dist/scripts/conformance/helm/main.js golden HELM_CHECKOUT [--verbose]
 *     Helm's own `helm template` golden cases through `flotilla helm template`.
 *   node dist/scripts/conformance/helm/main.js compare HELM_BINARY CHART_DIR [helm template flags...]
 *     `helm template` and `flotilla helm template` on one chart, byte for byte.
 */
import { compareWithHelm } from "./binary-compare.js";
import { runTemplateGoldens } from "./template-golden.js";

const [mode, first, ...rest] = process.argv.slice(2);
const out = (text: string): void => void process.stdout.write(text);
if (mode === "golden" && first !== undefined) {
  process.exitCode = runTemplateGoldens({ checkout: first, verbose: rest.includes("--verbose"), env: process.env, out });
} else if (mode === "compare" && first !== undefined && rest.length > 0) {
  process.exitCode = compareWithHelm({ helm: first, args: rest, env: process.env, out });
} else {
  out("usage: main.js golden HELM_CHECKOUT [--verbose] | main.js compare HELM_BINARY CHART [flags...]\n");
  process.exitCode = 2;
}
