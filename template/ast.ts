/**
 * The parse tree of a Go template (text/template/parse/node.go). `String()` forms follow Go, since
 * execution errors quote them: `executing "x" at <.missing>`.
 */
export interface Tree {
  /** The name the template was parsed under (Go's `ParseName`), shown in every error. */
  readonly parseName: string;
  /** The full source, to turn node offsets into line:column. */
  readonly text: string;
}

interface NodeBase {
  readonly pos: number;
}

export interface TextNode extends NodeBase { readonly type: "text"; readonly text: string }
export interface ActionNode extends NodeBase { readonly type: "action"; readonly pipe: PipeNode }
export interface IfNode extends NodeBase { readonly type: "if"; readonly pipe: PipeNode; readonly list: ListNode; readonly elseList: ListNode | undefined }
export interface WithNode extends NodeBase { readonly type: "with"; readonly pipe: PipeNode; readonly list: ListNode; readonly elseList: ListNode | undefined }
export interface RangeNode extends NodeBase { readonly type: "range"; readonly pipe: PipeNode; readonly list: ListNode; readonly elseList: ListNode | undefined }
export interface TemplateNode extends NodeBase { readonly type: "template"; readonly name: string; readonly pipe: PipeNode | undefined }
export interface BreakNode extends NodeBase { readonly type: "break" }
export interface ContinueNode extends NodeBase { readonly type: "continue" }
export interface ListNode extends NodeBase { readonly type: "list"; readonly nodes: StatementNode[] }

export type StatementNode = TextNode | ActionNode | IfNode | WithNode | RangeNode | TemplateNode | BreakNode | ContinueNode;

export interface PipeNode extends NodeBase {
  readonly type: "pipe";
  readonly isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}
export interface CommandNode extends NodeBase { readonly type: "command"; readonly args: ArgNode[] }
export interface FieldNode extends NodeBase { readonly type: "field"; readonly ident: string[] }
export interface VariableNode extends NodeBase { readonly type: "variable"; readonly ident: string[] }
export interface ChainNode extends NodeBase { readonly type: "chain"; readonly node: ArgNode; readonly field: string[] }
export interface IdentifierNode extends NodeBase { readonly type: "identifier"; readonly ident: string }
export interface DotNode extends NodeBase { readonly type: "dot" }
export interface NilNode extends NodeBase { readonly type: "nil" }
export interface BoolNode extends NodeBase { readonly type: "bool"; readonly value: boolean }
export interface StringNode extends NodeBase { readonly type: "string"; readonly quoted: string; readonly text: string }
export interface NumberNode extends NodeBase {
  readonly type: "number";
  readonly text: string;
  readonly isInt: boolean;
  readonly isFloat: boolean;
  readonly int: bigint;
  readonly float: number;
}

export type ArgNode = FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode | StringNode | NumberNode | PipeNode;
export type AnyNode = ArgNode | CommandNode | StatementNode | ListNode;

export function nodeString(n: AnyNode): string {
  switch (n.type) {
    case "text":
      return n.text;
    case "action":
      return `{{${nodeString(n.pipe)}}}`;
    case "if":
    case "with":
    case "range":
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${n.elseList === undefined ? "" : `{{else}}${nodeString(n.elseList)}`}{{end}}`;
    case "template":
      return `{{template ${JSON.stringify(n.name)}${n.pipe === undefined ? "" : ` ${nodeString(n.pipe)}`}}}`;
    case "break":
      return "{{break}}";
    case "continue":
      return "{{continue}}";
    case "list":
      return n.nodes.map(nodeString).join("");
    case "pipe": {
      let s = "";
      if (n.decl.length > 0) s += n.decl.map(nodeString).join(", ") + (n.isAssign ? " = " : " := ");
      return s + n.cmds.map(nodeString).join(" | ");
    }
    case "command":
      return n.args.map((a) => (a.type === "pipe" ? `(${nodeString(a)})` : nodeString(a))).join(" ");
    case "field":
      return n.ident.map((i) => `.${i}`).join("");
    case "variable":
      return n.ident.join(".");
    case "chain":
      return (n.node.type === "pipe" ? `(${nodeString(n.node)})` : nodeString(n.node)) + n.field.map((f) => `.${f}`).join("");
    case "identifier":
      return n.ident;
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return n.value ? "true" : "false";
    case "string":
      return n.quoted;
    case "number":
      return n.text;
  }
}
