/**
 * What a user needs from a failed `kustomize build`: one clean sentence, the repository file it
 * names and the line, without klog's `E1207 20:58:08.504360 9537 run.go:72] "command failed" err=`
 * wrapper and without the temporary directory the tree was materialised in.
 */
export interface KustomizeFailure {
  readonly message: string;
  /** Repository-relative file the error names (the kustomization itself when it does not parse). */
  readonly file?: string | undefined;
  readonly line?: number | undefined;
}

const KLOG_PREFIX = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.-]+:\d+\] /;

function unwrapKlog(line: string): string {
  const rest = line.replace(KLOG_PREFIX, "");
  if (rest === line) return line.replace(/^error:\s*/, "");
  // `"command failed" err="…"`: the err value is a Go-quoted string.
  const m = /err="((?:[^"\\]|\\.)*)"/.exec(rest);
  return m?.[1] === undefined ? rest : m[1].replace(/\\(["\\])/g, "$1");
}

/**
 * @param stderr what kubectl/kustomize printed
 * @param root   the temporary directory the repository snapshot was written to
 * @param path   the app's directory inside the repository ("" for the root)
 * @param kustomization the repository path of the app's kustomization file
 */
export function describeKustomizeFailure(stderr: string, options: { root: string; path: string; kustomization: string }): KustomizeFailure {
  const rootPrefix = options.root.endsWith("/") ? options.root : `${options.root}/`;
  const lines = stderr
    .split("\n")
    .map((l) => unwrapKlog(l.trim()))
    .filter((l) => l !== "");
  let text = lines.slice(0, 5).join("; ");
  text = text.split(rootPrefix).join("").split(options.root).join(".");
  // Any other temporary path (a kustomize-internal one) is not the user's business either.
  text = text.replace(/\/tmp\/[^\s'":]*/g, "<tmp>");
  text = text.slice(0, 600);
  const line = /\byaml: line (\d+)/.exec(text)?.[1];
  // Names in the message are relative to the kustomization being built: the app's, or the last base recursed into.
  const recursed = [...text.matchAll(/recursed accumulation of path '([^']+)'/g)].pop()?.[1];
  const dir = recursed !== undefined && !recursed.includes("<tmp>") && !recursed.startsWith("/") ? recursed : options.path;
  let file: string | undefined;
  if (/invalid Kustomization|kustomization\.ya?ml|Kustomization file/i.test(text) && !/accumulating resources from/.test(text)) file = options.kustomization;
  const inFile = /in File: ([^\s'";]+)/.exec(text)?.[1] ?? [...text.matchAll(/accumulating resources from '([^']+)'/g)].pop()?.[1];
  if (file === undefined && inFile !== undefined && !inFile.includes("<tmp>")) file = normalise(dir === "" ? inFile : `${dir}/${inFile}`);
  // The innermost cause is what the user fixes; the accumulation chain above it only repeats paths.
  const malformed = /MalformedYAMLError: (.*?)(?: in File: [^\s;]+)?(?:;|$)/.exec(text)?.[1];
  const message = malformed !== undefined ? `malformed YAML: ${malformed}` : text === "" ? "kustomize build failed" : text;
  return { message, file: file ?? options.kustomization, ...(line === undefined ? {} : { line: Number(line) }) };
}

/** `apps/web/../base/x.yaml` → `apps/base/x.yaml` (a path inside the repository). */
function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out.join("/");
}
