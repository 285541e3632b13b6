// Learned: diffusion and flow heads fit the multimodal 8gaussians by behaviour cloning; a Gaussian head cannot (short run; full run in benchmarks/policies-bc).
import { describe, expect, it } from "vitest";
import { random } from "@drift/tensor";
import { evaluateBc, eightGaussians, modeFractions, trainBc } from "./eight-gaussians.ts";
import { mmd2 } from "./mixture.ts";

/** Each of the 8 modes must hold ≥ 8% of 2000 samples (nearest centre, within radius 1.0). */
const MIN_MODE = 0.08;
/** MMD² (RBF, h = 0.5, 2000 vs 2000) bound for the short run; the exact data scores |MMD²| ≈ 3e-4, the fitted Gaussian ≈ 5e-2. */
const MMD_BOUND = 2e-2;
/** Short run: 2×64 nets, 2000 Adam steps (1000 for the Gaussian), batch 256 — about 35 s on 2 busy cores. */
const STEPS = 2000;
const HIDDEN = [64, 64];

describe("behaviour cloning on 8gaussians (obs = zeros(1))", () => {
  it("the exact data passes the mode test and the MMD bound", () => {
    const ref = eightGaussians(random.key(4), 2000);
    const data = eightGaussians(random.key(9), 2000);
    expect(Math.min(...modeFractions(data).slice(0, 8))).toBeGreaterThan(MIN_MODE);
    expect(mmd2(data, ref, 0.5)).toBeLessThan(MMD_BOUND / 10);
  });

  for (const kind of ["diffusion", "flow"] as const)
    it(`a ${kind} head recovers all 8 modes`, () => {
      const run = trainBc({ kind, steps: STEPS, hidden: HIDDEN });
      const { modes, mmd2: d } = evaluateBc(run);
      for (const f of modes.slice(0, 8)) expect(f).toBeGreaterThanOrEqual(MIN_MODE);
      expect(d).toBeLessThan(MMD_BOUND);
    }, 120_000);

  it("a Gaussian head trained the same way (NLL) fails the mode test", () => {
    const run = trainBc({ kind: "gaussian", steps: STEPS / 2, hidden: HIDDEN });
    const { modes, mmd2: d } = evaluateBc(run);
    expect(Math.min(...modes.slice(0, 8))).toBeLessThan(MIN_MODE);
    expect(modes[8]).toBeGreaterThan(0.4); // most samples fall between the modes
    expect(d).toBeGreaterThan(MMD_BOUND);
  }, 60_000);
});
