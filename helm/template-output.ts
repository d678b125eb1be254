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
  return finishTemplateOutput(releaseManifest(rendered, options), rendered, options);
}

/**
 * The release manifest (`rel.Manifest`): CRDs with --include-crds, then manifests; hooks are not
 * in it. This is the text a post-renderer receives.
 */
export function releaseManifest(rendered: RenderedChart, options: Pick<TemplateOutputOptions, "includeCrds"> = {}): string {
  let manifest = "";
  if (options.includeCrds === true) for (const crd of rendered.crds) manifest += doc(crd.filename, crd.content);
  for (const m of rendered.manifests) manifest += doc(m.name, m.content);
  return manifest;
}

/**
 * What `helm template` prints around a (possibly post-rendered) release manifest: the manifest
 * trimmed, then the hooks (`hooks: false` when they went to --output-dir), then --show-only.
 */
export function finishTemplateOutput(manifest: string, rendered: RenderedChart, options: TemplateOutputOptions & { readonly hooks?: boolean } = {}): string {
  let out = `${manifest.trim()}\n`;
  if (options.hooks !== false) {
    for (const h of rendered.hooks) {
      if (options.skipTests === true && h.events.includes("test")) continue;
      out += doc(h.path, h.manifest);
    }
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
