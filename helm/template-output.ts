import { goPathMatch } from "./go-path-match.js";
import { HELM_ERROR, HelmError } from "./helm-errors.js";
import { splitManifests } from "./manifest-sort.js";
import type { RenderedChart } from "./render-chart.js";

export interface TemplateOutputOptions {
  /** `--include-crds`: the chart's crds/ files first, as they are. */
  readonly includeCrds?: boolean;
  /** `--skip-tests`: leave out `test` hooks. */
  readonly skipTests?: boolean;
  /** `--show-only`: Go filepath patterns over template paths without the chart name (`templates/x.yaml`). */
  readonly showOnly?: readonly string[];
}

/** One `---\n# Source: PATH\nCONTENT\n` document. */
function doc(source: string, content: string): string {
  return `---\n# Source: ${source}\n${content}\n`;
}

/**
 * The text `helm template` prints: CRDs (with --include-crds), manifests, then hooks (test hooks
 * dropped with --skip-tests), each headed `# Source:`; with --show-only, only the documents whose
 * source matches, in the order of the patterns. Throws HELM_OPTIONS_INVALID when a --show-only
 * pattern matches nothing ("could not find template ... in chart").
 */
export function formatTemplateOutput(rendered: RenderedChart, options: TemplateOutputOptions = {}): string {
  let manifest = "";
  if (options.includeCrds === true) for (const crd of rendered.crds) manifest += doc(crd.filename, crd.content);
  for (const m of rendered.manifests) manifest += doc(m.name, m.content);
  let out = `${manifest.trim()}\n`;
  for (const h of rendered.hooks) {
    if (options.skipTests === true && h.events.includes("test")) continue;
    out += doc(h.path, h.manifest);
  }
  const showOnly = options.showOnly ?? [];
  if (showOnly.length === 0) return out;
  const docs = splitManifests(out);
  const picked: string[] = [];
  for (const raw of showOnly) {
    const f = raw.replace(/\\/g, "/");
    let missing = true;
    for (const m of docs) {
      const sub = /# Source: [^/]+\/(.+)/.exec(m);
      if (sub === null) continue;
      let matched: boolean;
      try {
        matched = goPathMatch(f, sub[1] ?? "");
      } catch {
        matched = false;
      }
      if (!matched) continue;
      picked.push(m);
      missing = false;
    }
    if (missing) throw new HelmError(HELM_ERROR.options, `could not find template ${raw} in chart`, { chart: rendered.chartName, field: "--show-only" });
  }
  return picked.map((m) => `---\n${m}\n`).join("");
}
