// Full behaviour-cloning run on 8gaussians for the diffusion, flow and Gaussian heads; prints a Markdown table of fit quality and time.
import { cpus } from "node:os";
import { type BcKind, evaluateBc, trainBc } from "../../packages/policies/test/eight-gaussians.ts";

/** `--steps N --hidden a,b --batch B --lr x --kinds diffusion,flow,gaussian` (defaults: the full run). */
function args(): { steps: number; hidden: number[]; batch: number; lr: number; kinds: BcKind[] } {
  const get = (name: string, dflt: string): string => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
  };
  return {
    steps: Number(get("steps", "6000")),
    hidden: get("hidden", "128,128").split(",").map(Number),
    batch: Number(get("batch", "256")),
    lr: Number(get("lr", "3e-3")),
    kinds: get("kinds", "diffusion,flow,gaussian").split(",") as BcKind[],
  };
}

const a = args();
console.log(`Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} ×${cpus().length}`);
console.log(`8gaussians BC: hidden [${a.hidden}], batch ${a.batch}, Adam ${a.lr} cosine-decayed, ${a.steps} steps (Gaussian: the same)`);
console.log("\n| head | train s | ms/step | sample s (2000) | final loss | min mode | off-mode | MMD² (h 0.5) |\n|---|---|---|---|---|---|---|---|");
for (const kind of a.kinds) {
  const run = trainBc({ kind, steps: a.steps, hidden: a.hidden, batch: a.batch, lr: a.lr });
  const ev = evaluateBc(run);
  const row = [
    kind,
    run.trainSeconds.toFixed(1),
    ((run.trainSeconds * 1000) / a.steps).toFixed(2),
    ev.sampleSeconds.toFixed(2),
    run.finalLoss.toFixed(4),
    Math.min(...ev.modes.slice(0, 8)).toFixed(3),
    ev.modes[8]!.toFixed(3),
    ev.mmd2.toExponential(2),
  ];
  console.log(`| ${row.join(" | ")} |`);
}
