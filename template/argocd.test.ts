import { describe, expect, it } from "vitest";
import { missingKeyFromGoTemplateOptions, parseTemplate, renderFastTemplate, renderTemplate, TemplateError } from "./index.js";

/**
 * Argo CD ApplicationSet templating, ported from argo-cd applicationset/utils/utils_test.go
 * (TestRenderTemplateParams, TestRenderTemplateParamsGoTemplate, TestRenderTemplateKeys,
 * Test_Render_Replace_no_panic_on_missing_closing_brace) and the examples in
 * docs/operator-manual/applicationset/GoTemplate.md. Argo parses with template.New(""), so the
 * template name in messages is empty.
 */
describe("fasttemplate mode (goTemplate: false)", () => {
  it.each([
    ["simple substitution", "{{one}}", "two", { one: "two" }],
    ["simple substitution with whitespace", "{{ one }}", "two", { one: "two" }],
    ["template characters but not in a template", "}} {{", "}} {{", { one: "two" }],
    ["nested template", "{{ }}", "{{ }}", { one: "{{ }}" }],
    ["field with whitespace", "{{ }}", "{{ }}", { " ": "two", "": "three" }],
    ["template contains itself, containing itself", "{{one}}", "{{one}}", { "{{one}}": "{{one}}" }],
    ["template contains itself, containing something else", "{{one}}", "{{one}}", { "{{one}}": "{{two}}" }],
    ["templates are case sensitive", "{{ONE}}", "{{ONE}}", { "{{one}}": "two" }],
    ["multiple on a line", "{{one}}{{one}}", "twotwo", { one: "two" }],
    ["multiple different on a line", "{{one}}{{three}}", "twofour", { one: "two", three: "four" }],
    ["multiple different on a line with quote", "{{one}} {{three}}", '"hello" world four', { one: '"hello" world', three: "four" }],
    ["unknown parameters stay as written", "{{path.basename}}-{{ nope }}", "guestbook-{{ nope }}", { "path.basename": "guestbook" }],
    ["template keys (annotation-{{key}})", "annotation-{{key}}", "annotation-some-key", { key: "some-key" }],
  ])("%s", (_name, src, want, params) => {
    expect(renderFastTemplate(src, params)).toBe(want);
  });

  it("fails on a tag that is never closed, like fasttemplate.NewTemplate", () => {
    expect(() => renderFastTemplate("{{properly.closed}} {{improperly.closed}", {})).toThrow(TemplateError);
  });
});

const params = {
  replicas: 3,
  image: { name: "busybox", version: "latest" },
  hpa: { enabled: true, minReplicas: 1, maxReplicas: 5 },
  volumes: [
    { name: "volume-one", emptyDir: {} },
    { name: "volume-two", emptyDir: {} },
  ],
  admin: { "admin-ca": 'value "admin" ca with \\', "admin-jks": "value admin jks" },
};

describe("goTemplate mode (TestRenderTemplateParamsGoTemplate)", () => {
  it.each([
    ["simple substitution", "{{ .one }}", "two", { one: "two" }],
    ["template contains itself", "{{ .one }}", "{{one}}", { one: "{{one}}" }],
    ["multiple on a line", "{{.one}}{{.one}}", "twotwo", { one: "two" }],
    ["multiple different on a line with quote", "{{.one}} {{.three}}", '"hello" world four', { one: '"hello" world', three: "four" }],
    ["depth", "{{ .image.version }}", "latest", params],
    ["multiple depth", "{{ .image.name }}:{{ .image.version }}", "busybox:latest", params],
    ["if ok", "{{ if .hpa.enabled }}{{ .hpa.maxReplicas }}{{ else }}{{ .replicas }}{{ end }}", "5", params],
    ["if not ok", "{{ if .hpa.enabled }}{{ .hpa.maxReplicas }}{{ else }}{{ .replicas }}{{ end }}", "3", { ...params, hpa: { ...params.hpa, enabled: false } }],
    ["loop", "{{ range .volumes }}[{{ .name }}]{{ end }}", "[volume-one][volume-two]", params],
    ["Index", `{{ index .admin "admin-ca" }}, \\\\ "Hello world", {{ index .admin "admin-jks" }}`, `value "admin" ca with \\, \\\\ "Hello world", value admin jks`, params],
    ["quote", "{{.quote}}", '"', { quote: '"' }],
    ["lookup missing value with missingkey=default", "--> {{.doesnotexist}} <--", "--> <no value> <--", { unused: "this is not used" }],
    ["toYaml", "{{ toYaml . | indent 2 }}", "  foo:\n    bar:\n      bool: true\n      number: 2\n      str: Hello world", { foo: { bar: { bool: true, number: 2, str: "Hello world" } } }],
    ["fromYaml", '{{ get (fromYaml .value) "hello" }}', "world", { value: "hello: world" }],
    ["fromYamlArray", "{{ fromYamlArray .value | last }}", "bonjour tout le monde", { value: "- hello world\n- bonjour tout le monde" }],
    ["template keys", "annotation-{{ .key }}", "annotation-some-key", { key: "some-key" }],
  ])("%s", (_name, src, want, data) => {
    expect(renderTemplate(src, data, { missingKey: missingKeyFromGoTemplateOptions([]) })).toBe(want);
  });

  it.each([
    ["Test Parse Error", "{{functiondoesnotexist}}", { data: "a data string" }, 'template: :1: function "functiondoesnotexist" not defined'],
    ["Test template error", "{{.data.test}}", { data: "a data string" }, `template: :1:7: executing "" at <.data.test>: can't evaluate field test in type interface {}`],
    ["lookup missing value with missingkey=error", "--> {{.doesnotexist}} <--", { unused: "x" }, 'template: :1:6: executing "" at <.doesnotexist>: map has no entry for key "doesnotexist"'],
    ["toYaml Error", "{{ toYaml . | indent 2 }}", { foo: (_s: unknown) => undefined }, 'template: :1:3: executing "" at <toYaml .>: error calling toYaml: error marshaling into JSON: json: unsupported type: func('],
    ["fromYaml error", '{{ get (fromYaml .value) "hello" }}', { value: "non\n compliant\n yaml" }, 'template: :1:8: executing "" at <fromYaml .value>: error calling fromYaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type map[string]interface {}'],
    ["fromYamlArray error", "{{ fromYamlArray .value | last }}", { value: "non\n compliant\n yaml" }, 'template: :1:3: executing "" at <fromYamlArray .value>: error calling fromYamlArray: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type []interface {}'],
  ])("%s", (_name, src, data, message) => {
    expect(() => renderTemplate(src, data, { missingKey: missingKeyFromGoTemplateOptions(["missingkey=error"]) })).toThrow(message);
  });
});

describe("GoTemplate.md examples", () => {
  const render = (src: string, data: unknown): string => renderTemplate(src, data, { missingKey: "error" });

  it("basic substitution over list generator elements", () => {
    const elements = [
      { cluster: "engineering-dev", url: "https://1.2.3.4" },
      { cluster: "engineering-prod", url: "https://2.4.6.8" },
      { cluster: "finance-preprod", url: "https://9.8.7.6" },
    ];
    const name = parseTemplate("{{.cluster}}-guestbook");
    const path = parseTemplate("guestbook/{{.cluster}}");
    expect(elements.map((e) => [name.execute(e), path.execute(e)])).toEqual([
      ["engineering-dev-guestbook", "guestbook/engineering-dev"],
      ["engineering-prod-guestbook", "guestbook/engineering-prod"],
      ["finance-preprod-guestbook", "guestbook/finance-preprod"],
    ]);
  });

  it("falls back for unset parameters with dig", () => {
    const t = parseTemplate('{{.cluster}}{{dig "nameSuffix" "" .}}');
    expect(t.execute({ cluster: "engineering-dev", url: "https://kubernetes.default.svc" })).toBe("engineering-dev");
    expect(t.execute({ cluster: "engineering-prod", nameSuffix: "-my-name-suffix" })).toBe("engineering-prod-my-name-suffix");
  });

  it("reads cluster generator labels and git generator paths", () => {
    const cluster = { name: "prod-eu", server: "https://eu.example", metadata: { labels: { "my-label": "x", env: "prod" }, annotations: { "my/annotation": "y" } } };
    expect(render('{{ index .metadata.labels "my-label" }}/{{ index .metadata.annotations "my/annotation" }}/{{ .metadata.labels.env }}', cluster)).toBe("x/y/prod");
    const git = { path: { path: "apps/cluster-addons/Argo_Workflows", basename: "Argo_Workflows", basenameNormalized: "argo-workflows", segments: ["apps", "cluster-addons", "Argo_Workflows"] } };
    expect(render("{{.path.path}} {{.path.basename}} {{.path.basenameNormalized}} {{index .path.segments 1}}", git)).toBe(
      "apps/cluster-addons/Argo_Workflows Argo_Workflows argo-workflows cluster-addons",
    );
    expect(render("{{base .path.path}} {{normalize .path.path}}", git)).toBe("Argo_Workflows apps-cluster-addons-argo-workflows");
  });

  it("prints JSON numbers as Go float64s, like Argo (a million is 1e+06)", () => {
    expect(render("{{ .replicas }} {{ .big }} {{ .ratio }} {{ int .big }}", { replicas: 3, big: 1000000, ratio: 0.5 })).toBe("3 1e+06 0.5 1000000");
    expect(() => render("{{ if gt .replicas 2 }}many{{ end }}", { replicas: 3 })).toThrow("error calling gt: incompatible types for comparison");
    expect(render("{{ if gt .replicas 2.0 }}many{{ end }}", { replicas: 3 })).toBe("many");
  });
});

describe("missingKeyFromGoTemplateOptions", () => {
  it("maps Go's option strings, default first", () => {
    expect(missingKeyFromGoTemplateOptions([])).toBe("default");
    expect(missingKeyFromGoTemplateOptions(["missingkey=error"])).toBe("error");
    expect(missingKeyFromGoTemplateOptions(["missingkey=invalid"])).toBe("default");
    expect(missingKeyFromGoTemplateOptions(["missingkey=error", "missingkey=zero"])).toBe("zero");
    expect(() => missingKeyFromGoTemplateOptions(["missingkey=maybe"])).toThrow("unrecognized option: missingkey=maybe");
  });
});
