// Learning-curve SVG/PNG rendering and the progress display (terminal and plain modes).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProgressBar, curveSvg, formatDuration, niceTicks, progressFields, readCurve, svgToPng } from "../src/index.ts";
import { fontPath, movingAverage } from "../src/plot.ts";

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): [number, number] {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [v.getUint32(16), v.getUint32(20)];
}

const points = (d: string) => d.split(/[ML]/).filter(Boolean).map((p) => p.split(",").map(Number));

describe("learning-curve plot", () => {
  const episodes = Array.from({ length: 30 }, (_, i) => ({ step: (i + 1) * 200, value: -1500 + 40 * i }));
  const evals = [{ step: 2000, value: -1200 }, { step: 4000, value: -600 }];

  it("nice ticks cover the range with round steps", () => {
    expect(niceTicks(0, 6000, 6)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    expect(niceTicks(-1530, -310, 5)).toEqual([-1750, -1500, -1250, -1000, -750, -500, -250]);
    expect(movingAverage([1, 2, 3, 4], 2)).toEqual([1, 1.5, 2.5, 3.5]);
  });

  it("the SVG holds the episode curve, its moving average and the evaluation points, with axis labels", () => {
    const svg = curveSvg({ episodes, evals }, { title: "Pendulum-v1 · sac · seed 0", xMax: 6000 });
    const d = (id: string) => svg.match(new RegExp(`id="${id}" d="([^"]+)"`))![1]!;
    const raw = points(d("episodic-return"));
    expect(raw).toHaveLength(30);
    expect(points(d("episodic-return-mean"))).toHaveLength(30);
    expect(points(d("eval-return"))).toHaveLength(2);
    // Returns rise over the run, so the curve goes up the page (smaller y) from left to right.
    expect(raw[29]![0]!).toBeGreaterThan(raw[0]![0]!);
    expect(raw[29]![1]!).toBeLessThan(raw[0]![1]!);
    expect(svg).toContain("environment steps");
    expect(svg).toContain("episodic return");
    expect(svg).toContain(">6k<");
    expect(svg).toContain("<title>Pendulum-v1 · sac · seed 0</title>");
  });

  it("an empty run still gives a valid plot that says so", () => {
    const svg = curveSvg({ episodes: [], evals: [] }, { title: "t" });
    expect(svg).toContain("no finished episodes yet");
    expect(svg).not.toContain('id="episodic-return"');
  });

  it("readCurve picks episode and eval returns out of metrics.jsonl", () => {
    const p = join(mkdtempSync(join(tmpdir(), "drift-cli-plot-")), "metrics.jsonl");
    writeFileSync(p, ['{"step":200,"charts/episodic_return":-1000,"charts/episodic_length":200}', '{"step":300,"losses/qf_loss":1}', '{"step":400,"eval/episodic_return":-500}', ""].join("\n"));
    expect(readCurve(p)).toEqual({ episodes: [{ step: 200, value: -1000 }], evals: [{ step: 400, value: -500 }] });
  });

  it("renders a PNG at twice the SVG size with text drawn in the npm-shipped DejaVu Sans", async () => {
    expect(fontPath()).toMatch(/node_modules\/dejavu-fonts-ttf\/ttf\/DejaVuSans\.ttf$/);
    const png = await svgToPng(curveSvg({ episodes, evals }, { title: "t" }));
    expect([...png.slice(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    expect(pngSize(png)).toEqual([1520, 880]);
    // The same plot without any text is smaller: the labels were rendered.
    const bare = await svgToPng(curveSvg({ episodes, evals }, { title: "t" }).replace(/<text[^>]*>[^<]*<\/text>/g, ""));
    expect(png.length).toBeGreaterThan(bare.length + 5000);
  });
});

describe("progress display", () => {
  const p = (step: number, sps = 100, ret: number | null = -812.34) => ({ step, totalSteps: 20000, sps, episodicReturn: ret });

  it("fields: percent, steps, steps/s, last return, ETA", () => {
    expect(progressFields(p(9040, 112))).toEqual([" 45.2%", "9040/20000 steps", "112 steps/s", "return -812.3", "ETA 1m38s"]);
    expect(progressFields(p(10, 5, null))[3]).toBe("return --");
    expect([formatDuration(42), formatDuration(3725), formatDuration(NaN)]).toEqual(["42s", "1h02m", "--"]);
  });

  it("on a terminal: one line redrawn in place, at most every 100 ms", () => {
    const out: string[] = [];
    let t = 0;
    const bar = new ProgressBar({ write: (s) => out.push(s), tty: true, columns: 120, now: () => t, label: "sac Pendulum-v1" });
    bar.update(p(100));
    t = 50;
    bar.update(p(200));
    t = 200;
    bar.update(p(300));
    bar.message("eval at step 300");
    bar.done();
    expect(out.filter((s) => s.startsWith("\r\x1b[2Ksac Pendulum-v1 ["))).toHaveLength(4);
    expect(out.join("")).not.toContain("200/20000");
    expect(out).toContain("\r\x1b[2Keval at step 300\n");
    expect(out[out.length - 1]).toBe("\n");
  });

  it("elsewhere: plain lines at the first report, each tenth of the run and every 30 s", () => {
    const out: string[] = [];
    let t = 0;
    const bar = new ProgressBar({ write: (s) => out.push(s), tty: false, now: () => t });
    for (let step = 100; step <= 20000; step += 100) {
      t += 10;
      bar.update(p(step));
    }
    expect(out).toHaveLength(11);
    expect(out.every((l) => !l.includes("\r") && l.endsWith("\n"))).toBe(true);
    t += 31_000;
    bar.update(p(20000));
    expect(out).toHaveLength(12);
  });
});
