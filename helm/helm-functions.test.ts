import { describe, expect, it } from "vitest";
import { helmTemplate, loadChart } from "./index.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function render(template: string, values = ""): Promise<string> {
  const chart = await loadChart(
    new Map([
      ["Chart.yaml", enc("apiVersion: v2\nname: fn\nversion: 1.0.0\n")],
      ["values.yaml", enc(values)],
      ["templates/cm.yaml", enc(template)],
    ]),
    { source: "fn" },
  );
  return helmTemplate(chart).output;
}

describe("fromToml", () => {
  it("reads a document as Helm does: int64 integers, floats, tables, arrays; an offset date-time a time", async () => {
    const out = await render(
      `{{- $t := fromToml .Values.toml }}
a: {{ $t.port }} {{ add1 $t.port }}
b: {{ $t.ratio }} {{ kindOf $t.ratio }}
c: {{ $t.server.host }} {{ index $t.server.tags 1 }} {{ len $t.server.tags }}
d: {{ $t.when.Unix }}
e: {{ $t.day }}
`,
      `toml: |\n  port = 8080\n  ratio = 1.5\n  when = 1979-05-27T07:32:00-08:00\n  day = 1979-05-27\n  [server]\n  host = "db"\n  tags = ["a", "b"]\n`,
    );
    expect(out).toBe("---\n# Source: fn/templates/cm.yaml\na: 8080 8081\nb: 1.5 float64\nc: db b 2\nd: 296667120\ne: 1979-05-27\n");
  });

  it("returns a map with an Error key on a bad document, without its text", async () => {
    const out = await render(`e: {{ (fromToml "a = 1\\nsecret = hunter2-oops\\n").Error | quote }}`);
    expect(out).toMatch(/^---\n# Source: fn\/templates\/cm.yaml\ne: "toml: line 2 column \d+: .+"\n$/u);
    expect(out).not.toContain("hunter2");
  });
});

describe("toYamlPretty", () => {
  it("indents sequences under their key (go-yaml v3 with indent 2), where toYaml does not", async () => {
    const tpl = "{{ toYaml .Values.x }}\n---\n{{ toYamlPretty .Values.x }}\n";
    const out = await render(tpl, "x:\n  list: [1, b]\n  map: {k: v}\n");
    expect(out).toBe("---\n# Source: fn/templates/cm.yaml\nlist:\n- 1\n- b\nmap:\n  k: v\n---\n# Source: fn/templates/cm.yaml\nlist:\n  - 1\n  - b\nmap:\n  k: v\n");
  });
});
