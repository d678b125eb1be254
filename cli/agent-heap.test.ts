import { describe, expect, it } from "vitest";
import { wantsSmallYoungGeneration } from "./agent-heap.js";

describe("wantsSmallYoungGeneration", () => {
  it("applies to `flotilla spoke`, wherever the global options are", () => {
    expect(wantsSmallYoungGeneration(["spoke", "--cluster", "eu-1"], [], undefined)).toBe(true);
    expect(wantsSmallYoungGeneration(["--log-level", "debug", "spoke"], [], "")).toBe(true);
  });

  it("leaves other commands, and a young generation the user sized, alone", () => {
    expect(wantsSmallYoungGeneration(["hub", "--repo", "x"], [], undefined)).toBe(false);
    expect(wantsSmallYoungGeneration(["seal"], [], undefined)).toBe(false);
    expect(wantsSmallYoungGeneration(["spoke"], ["--optimize-for-size", "--max-semi-space-size=1"], undefined)).toBe(false);
    expect(wantsSmallYoungGeneration(["spoke"], [], "--max_semi_space_size=8")).toBe(false);
    expect(wantsSmallYoungGeneration(["spoke"], ["--max-young-generation-size", "4"], undefined)).toBe(false);
  });
});
