import { describe, expect, it } from "vitest";
import { parseTemplate, renderTemplate, TemplateError } from "./index.js";

/** Ported from Go's src/text/template/parse/parse_test.go (parseTests, errorTests, TestBlock). */
const parses: ReadonlyArray<readonly [name: string, input: string]> = [
  ["empty", ""],
  ["comment", "{{/*\n\n\n*/}}"],
  ["spaces", " \t\n"],
  ["text", "some text"],
  ["field", "{{.X}}"],
  ["simple command", "{{printf}}"],
  ["$ invocation", "{{$}}"],
  ["variable invocation", "{{with $x := 3}}{{$x 23}}{{end}}"],
  ["variable with fields", "{{$.I}}"],
  ["multi-word command", "{{printf `%d` 23}}"],
  ["pipeline", "{{.X|.Y}}"],
  ["pipeline with decl", "{{$x := .X|.Y}}"],
  ["nested pipeline", "{{.X (.Y .Z) (.A | .B .C) (.E)}}"],
  ["field applied to parentheses", "{{(.Y .Z).Field}}"],
  ["if with else if", "{{if .X}}true{{else if .Y}}false{{end}}"],
  ["if else chain", "+{{if .X}}X{{else if .Y}}Y{{else if .Z}}Z{{end}}+"],
  ["chained field range", "{{range .X.Y.Z}}hello{{end}}"],
  ["nested range", "{{range .X}}hello{{range .Y}}goodbye{{end}}{{end}}"],
  ["range over pipeline", "{{range .X|.M}}true{{else}}false{{end}}"],
  ["range 2 vars", "{{range $x, $y := .SI}}{{.}}{{end}}"],
  ["range with break", "{{range .SI}}{{.}}{{break}}{{end}}"],
  ["range with continue", "{{range .SI}}{{.}}{{continue}}{{end}}"],
  ["template", "{{template `x`}}"],
  ["template with arg", "{{template `x` .Y}}"],
  ["with with else with", "{{with .X}}hello{{else with .Y}}goodbye{{end}}"],
  ["block definition", `{{block "foo" .}}hello{{end}}`],
  ["newline in assignment", "{{ $x \n := \n 1 \n }}"],
  ["newline in pipeline", '{{\n"x"\n|\nprintf\n}}'],
  ["newline in comment", "{{-\n/*\nhello\n*/\n-}}"],
  ["spaces around break", "{{range .SI}}{{.}}{{ break }}{{end}}"],
  ["bug0a", "{{$x := 0}}{{$x}}"],
  ["bug1c", "{{$x:=.}}{{$x +2}}"],
  ["bug2a", "{{range $x := 0}}{{$x}}{{end}}"],
  ["bug2b", "{{range $x = 0}}{{$x}}{{end}}"],
];

const parseErrors: ReadonlyArray<readonly [name: string, input: string, message: string]> = [
  ["emptyAction", "{{}}", "missing value for command"],
  ["newline in empty action", "{{\n}}", "missing value for command"],
  ["unclosed action", "hello{{range", "unclosed action"],
  ["unmatched end", "{{end}}", "unexpected {{end}}"],
  ["unmatched else", "{{else}}", "unexpected {{else}}"],
  ["unmatched else after if", "{{if .X}}hello{{end}}{{else}}", "unexpected {{else}}"],
  ["multiple else", "{{if .X}}1{{else}}2{{else}}3{{end}}", "expected end; found {{else}}"],
  ["missing end", "hello{{range .x}}", "unexpected EOF"],
  ["missing end after else", "hello{{range .x}}{{else}}", "unexpected EOF"],
  ["undefined function", "hello{{undefined}}", 'function "undefined" not defined'],
  ["undefined variable", "{{$x}}", 'undefined variable "$x"'],
  ["variable undefined after end", "{{with $x := 4}}{{end}}{{$x}}", 'undefined variable "$x"'],
  ["variable undefined in template", "{{template $v}}", "unexpected"],
  ["declare with field", "{{with $x.Y := 4}}{{end}}", "undefined variable"],
  ["template with field ref", "{{template .X}}", 'unexpected ".X" in template clause'],
  ["invalid punctuation", "{{printf 3, 4}}", 'unexpected "," in operand'],
  ["multidecl outside range", "{{with $v, $u := 3}}{{end}}", "too many declarations in with"],
  ["too many decls in range", "{{range $u, $v, $w := 3}}{{end}}", "too many declarations in range"],
  ["dot applied to parentheses", "{{printf (printf .).}}", "unexpected"],
  ["adjacent args", "{{printf 3`x`}}", "in operand"],
  ["adjacent args with .", "{{printf `x`.}}", "in operand"],
  ["extra end after if", "{{if .X}}a{{else if .Y}}b{{end}}{{end}}", "unexpected {{end}}"],
  ["break outside range", "{{range .}}{{end}} {{break}}", "{{break}} outside {{range}}"],
  ["continue outside range", "{{range .}}{{end}} {{continue}}", "{{continue}} outside {{range}}"],
  ["break in range else", "{{range .}}{{else}}{{break}}{{end}}", "{{break}} outside {{range}}"],
  ["bug0b", "{{$x += 1}}{{$x}}", "undefined variable"],
  ["bug0e", "{{range $x := $y := 3}}{{end}}", "undefined variable"],
  ["bug1a", "{{$x:=.}}{{$x!2}}", "bad character"],
  ["bug1b", "{{$x:=.}}{{$x+2}}", "bad character"],
  ["dot after integer", "{{1.E}}", "number syntax"],
  ["dot after boolean", "{{true.E}}", "unexpected . after term"],
  ["dot after string", `{{"hello".guys}}`, "unexpected . after term"],
  ["dot after nil", "{{nil.E}}", "unexpected . after term"],
  ["wrong pipeline dot", "{{12|.}}", "non executable command in pipeline stage 2"],
  ["wrong pipeline number", "{{.|12|printf}}", "non executable command in pipeline stage 2"],
  ["wrong pipeline string", '{{.|printf|"error"}}', "non executable command in pipeline stage 3"],
  ["wrong pipeline boolean", "{{.|true}}", "non executable command in pipeline stage 2"],
  ["empty pipeline", `{{printf "%d" ( ) }}`, "missing value for parenthesized pipeline"],
  ["block without pipeline", `{{block "foo"}}hello{{end}}`, "missing value for block clause"],
  // errorTests: line numbers and specific messages.
  ["unclosed1", "line1\n{{", "template: unclosed1:2: unclosed action"],
  ["unclosed2", "line1\n{{define `x`}}line2\n{{", "template: unclosed2:3: unclosed action"],
  ["unclosed3", 'line1\n{{"x"\n"y"\n', "template: unclosed3:4: unclosed action started at unclosed3:2"],
  ["unclosed4", "{{\n\n\n\n\n", "template: unclosed4:6: unclosed action started at unclosed4:1"],
  ["var1", "line1\n{{\nx\n}}", 'template: var1:3: function "x" not defined'],
  ["comment1", "{{/*}}", "template: comment1:1: unclosed comment"],
  ["comment2", "{{/*\nhello\n}}", "template: comment2:1: unclosed comment"],
  ["lparen", "{{.X (1 2 3}}", "unclosed left paren"],
  ["rparen", "{{.X 1 2 3 ) }}", "unexpected right paren"],
  ["rparen2", "{{(.X 1 2 3", "unclosed action"],
  ["space", "{{`x`3}}", "in operand"],
  ["idchar", "{{a#}}", "'#'"],
  ["charconst", "{{'a}}", "unterminated character constant"],
  ["stringconst", `{{"a}}`, "unterminated quoted string"],
  ["rawstringconst", "{{`a}}", "unterminated raw quoted string"],
  ["number", "{{0xi}}", "number syntax"],
  ["multidefine", "{{define `a`}}a{{end}}{{define `a`}}b{{end}}", "multiple definition of template"],
  ["eof", "{{range .X}}", "unexpected EOF"],
  ["variable", "{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}", 'unexpected ":="'],
  ["multidecl", "{{$a,$b,$c := 23}}", "too many declarations"],
  ["undefvar", "{{$a}}", "undefined variable"],
  ["wrongdot", "{{true.any}}", "unexpected . after term"],
  ["wrongpipeline", "{{12|false}}", "non executable command in pipeline"],
  ["emptypipeline", "{{ ( ) }}", "missing value for parenthesized pipeline"],
  ["multilinerawstring", "{{ $v := `\n` }} {{", "template: multilinerawstring:2: unclosed action"],
  ["rangeundefvar", "{{range $k}}{{end}}", "undefined variable"],
  ["rangeundefvars", "{{range $k, $v}}{{end}}", "undefined variable"],
  ["rangemissingvalue1", "{{range $k,}}{{end}}", "missing value for range"],
  ["rangemissingvalue2", "{{range $k, $v := }}{{end}}", "missing value for range"],
  ["rangenotvariable1", "{{range $k, .}}{{end}}", "range can only initialize variables"],
  ["rangenotvariable2", "{{range $k, 123 := .}}{{end}}", "range can only initialize variables"],
];

describe("Go parse_test.go: templates that parse", () => {
  it.each(parses)("%s", (name, input) => {
    expect(() => parseTemplate(input, { name, functionSet: "none" })).not.toThrow();
  });
});

describe("Go parse_test.go: parse errors", () => {
  it.each(parseErrors)("%s", (name, input, message) => {
    let caught: unknown;
    try {
      parseTemplate(input, { name, functionSet: "none" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as TemplateError).code).toBe("TEMPLATE_PARSE");
    expect((caught as TemplateError).message).toContain(message);
    expect((caught as TemplateError).message).toMatch(new RegExp(`^template: ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: `));
  });
});

describe("trim markers and comments (parse_test.go trimming cases)", () => {
  it.each([
    ["trim left", "x \r\n\t{{- 3}}", "x3"],
    ["trim right", "{{3 -}}\n\n\ty", "3y"],
    ["trim left and right", "x \r\n\t{{- 3 -}}\n\n\ty", "x3y"],
    ["trim with extra spaces", "x\n{{-  3   -}}\ny", "x3y"],
    ["comment trim left", "x \r\n\t{{- /* hi */}}", "x"],
    ["comment trim right", "{{/* hi */ -}}\n\n\ty", "y"],
    ["comment trim left and right", "x \r\n\t{{- /* */ -}}\n\n\ty", "xy"],
    ["minus number is not a trim marker", "{{-3}}", "-3"],
    ["block definition", `a{{block "inner" .}}bar{{.}}baz{{end}}b`, "abarQbazb"],
  ])("%s", (_name, input, output) => {
    expect(renderTemplate(input, "Q", { functionSet: "none" })).toBe(output);
  });
});
