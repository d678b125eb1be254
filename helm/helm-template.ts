import type { Chart } from "./chart.js";
import { renderChart, type RenderChartOptions, type RenderedChart } from "./render-chart.js";
import { formatTemplateOutput, type TemplateOutputOptions } from "./template-output.js";
import { mergeValueLayers, type MergeValueLayersOptions, type ValueLayers } from "./values-options.js";

/** Everything `helm template` takes besides the chart, in one options object. */
export interface HelmTemplateOptions extends Omit<RenderChartOptions, "values">, TemplateOutputOptions {
  /** Value layers (-f, --set, ...); merged in Helm's order. */
  readonly values?: ValueLayers;
  /** Reads `--set-file` paths. */
  readonly readFile?: MergeValueLayersOptions["readFile"];
}

/** `helm template` in one call: merge values, render, format. Returns the text and the rendered chart. */
export function helmTemplate(chart: Chart, options: HelmTemplateOptions = {}): { readonly output: string; readonly rendered: RenderedChart } {
  const values = mergeValueLayers(options.values ?? {}, { readFile: options.readFile });
  const rendered = renderChart(chart, { ...options, values });
  return { output: formatTemplateOutput(rendered, options), rendered };
}
