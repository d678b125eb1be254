import { describe, expect, it } from "vitest";
import { BudgetExceededError, ExecBudget } from "./exec-budget.js";
import { parseTemplate, renderTemplate } from "./template.js";
import { sprintf } from "./go-fmt.js";

function budget(o: { steps?: number; output?: number; scopeSteps?: number; scopeOutput?: number; timeoutMs?: number; now?: () => number } = {}): ExecBudget {
  return new ExecBudget({
    total: { maxSteps: o.steps, maxOutputBytes: o.output, timeoutMs: o.timeoutMs },
    scope: { maxSteps: o.scopeSteps, maxOutputBytes: o.scopeOutput },
    now: o.now ?? (() => 0),
  });
}

function failure(source: string, b: ExecBudget): BudgetExceededError {
  try {
    parseTemplate(source, { name: "t" }).execute({}, b);
  } catch (err) {
    expect(err).toBeInstanceOf(BudgetExceededError);
    return err as BudgetExceededError;
  }
  throw new Error("the template ran within its budget");
}

describe("template execution budget", () => {
  it("stops nested ranges that would run 1.6e9 iterations, with TEMPLATE_BUDGET_EXCEEDED", () => {
    const err = failure("{{ range $i := until 40000 }}{{ range $j := until 40000 }}{{ end }}{{ end }}", budget({ steps: 100_000 }));
    expect(err.code).toBe("TEMPLATE_BUDGET_EXCEEDED");
    expect(err.limit).toBe("steps");
    expect(err.message).toMatch(/more than 100000 template steps/);
  });

  it("counts iterations of a range over an integer and of an empty body", () => {
    expect(failure("{{ range 1000000000 }}{{ end }}", budget({ steps: 5000 })).limit).toBe("steps");
  });

  it("refuses before allocating: until 1e9, repeat 1e8, a 1e7 indent", () => {
    for (const source of ['{{ until 1000000000 | len }}', '{{ repeat 100000000 "x" }}', '{{ "a\\nb" | indent 10000000 }}', '{{ seq 100000000 }}', "{{ untilStep 0 1000000000 3 | len }}"]) {
      const err = failure(source, budget({ output: 1_000_000 }));
      expect(err.limit, source).toBe("output");
    }
  });

  it("stops output that grows by doubling, and a single oversized function result", () => {
    const doubling = '{{ $s := "x" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ $s }}';
    expect(failure(doubling, budget({ output: 1 << 20 })).limit).toBe("output");
    expect(failure('{{ range until 2000 }}{{ "0123456789" }}{{ end }}', budget({ output: 10_000 })).limit).toBe("output");
  });

  it("charges a scope separately from the total, and resets it per scope", () => {
    const b = budget({ scopeSteps: 50, steps: 1000 });
    const t = parseTemplate("{{ range until 20 }}.{{ end }}", { name: "t" });
    for (let i = 0; i < 10; i++) {
      b.resetScope();
      expect(t.execute({}, b)).toBe(".".repeat(20));
    }
    const err = failure("{{ range until 60 }}.{{ end }}", b);
    expect(err.inScope).toBe(true);
    const total = budget({ scopeSteps: 50, steps: 120 });
    total.resetScope();
    t.execute({}, total);
    total.resetScope();
    t.execute({}, total);
    total.resetScope();
    try {
      t.execute({}, total);
      throw new Error("not stopped");
    } catch (e) {
      expect((e as BudgetExceededError).inScope).toBe(false);
    }
  });

  it("enforces wall time with the injected clock", () => {
    let t = 0;
    const b = budget({ timeoutMs: 1000, now: () => (t += 100) });
    expect(failure("{{ range until 100000 }}{{ end }}", b).limit).toBe("time");
  });

  it("is not charged for a template within its budget, and the output is the same as without one", () => {
    const source = '{{ range $i, $e := .items }}{{ $i }}={{ $e | upper | quote }};{{ end }}{{ printf "%05d" 42 }}';
    const data = { items: ["a", "b", "c"] };
    const b = budget({ steps: 1000, output: 1000 });
    expect(parseTemplate(source).execute(data, b)).toBe(renderTemplate(source, data));
    expect(b.steps).toBeGreaterThan(0);
    expect(b.outputBytes).toBe(renderTemplate(source, data).length);
  });

  it("follows Go's fmt: widths and precisions over 1e6 are refused", () => {
    expect(sprintf("%*d", [10_000_000n, 1n])).toBe("%!(BADWIDTH)1");
    expect(sprintf("%100000000d", [1n])).toBe("%!(NOVERB)%!(EXTRA int=1)");
    expect(sprintf("%5d", [1n])).toBe("    1");
  });
});
