// Learning-curve plots: episodic (and evaluation) return against steps from metrics.jsonl, as SVG and as PNG via resvg (wasm).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { METRICS } from "@drift/rl";

/** A point of a curve. */
export interface Point {
  step: number;
  value: number;
}

/** What the plot shows: training episode returns and evaluation mean returns. */
export interface CurveData {
  episodes: Point[];
  evals: Point[];
}

/** Metric name of evaluation returns logged by the training loop. */
export const EVAL_RETURN = "eval/episodic_return";

/** Reads the episode and evaluation returns from a metrics.jsonl file (an absent file gives empty curves). */
export function readCurve(jsonlPath: string): CurveData {
  const data: CurveData = { episodes: [], evals: [] };
  if (!existsSync(jsonlPath)) return data;
  for (const line of readFileSync(jsonlPath, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const step = r.step as number;
    const ep = r[METRICS.episodicReturn];
    const ev = r[EVAL_RETURN];
    if (typeof ep === "number" && Number.isFinite(ep)) data.episodes.push({ step, value: ep });
    if (typeof ev === "number" && Number.isFinite(ev)) data.evals.push({ step, value: ev });
  }
  return data;
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[0]! > lo) ticks.unshift(Number((ticks[0]! - step).toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/** Tick text: `20k`, `1.5M`, `-250`, `0.25`; thousands are written with `k` from `kFrom` on (steps: 1000, returns: 100000). */
export function tickLabel(x: number, kFrom = 1000): string {
  const a = Math.abs(x);
  const trim = (v: number) => String(Number(v.toPrecision(4)));
  if (a >= 1e6) return `${trim(x / 1e6)}M`;
  if (a >= kFrom) return `${trim(x / 1e3)}k`;
  return trim(x);
}

/** Trailing mean over the last `window` values. */
export function movingAverage(values: readonly number[], window: number): number[] {
  let sum = 0;
  return values.map((v, i) => {
    sum += v - (i >= window ? values[i - window]! : 0);
    return sum / Math.min(i + 1, window);
  });
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (x: number) => Number(x.toFixed(2)).toString();

const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac"];

/** Options of `curveSvg`. */
export interface CurveOptions {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
  /** Right end of the step axis at least (e.g. the run's total steps, so a stopped run shows how far it got). */
  xMax?: number;
}

/**
 * The learning curve as a standalone SVG: training episode returns (thin), their moving average (bold) and evaluation
 * mean returns (markers) against environment steps (dots mark single episodes when there are at most 200), with axes, grid, labels and a legend. Paths carry the ids
 * `episodic-return`, `episodic-return-mean` and `eval-return`.
 */
export function curveSvg(data: CurveData, opts: CurveOptions): string {
  const all = [...data.episodes, ...data.evals];
  const values = all.map((p) => p.value);
  const xr: [number, number] = [0, Math.max(1, opts.xMax ?? 0, ...all.map((p) => p.step))];
  const yr: [number, number] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  const { out, sx, sy, legend, box } = frame({ ...opts, xLabel: "environment steps", yLabel: "episodic return" }, xr, yr);
  const path = (pts: readonly Point[]) => pts.map((p, i) => `${i ? "L" : "M"}${fmt(sx(p.step))},${fmt(sy(p.value))}`).join("");
  const [blue, orange] = [PALETTE[0]!, PALETTE[1]!];
  const items: [string, string][] = [];
  if (data.episodes.length) {
    const window = Math.max(1, Math.min(20, Math.round(data.episodes.length / 10)));
    const mean = movingAverage(data.episodes.map((p) => p.value), window).map((value, i) => ({ step: data.episodes[i]!.step, value }));
    out.push(`<path id="episodic-return" d="${path(data.episodes)}" fill="none" stroke="${blue}" stroke-opacity="0.35" stroke-width="1"/>`);
    out.push(`<path id="episodic-return-mean" d="${path(mean)}" fill="none" stroke="${blue}" stroke-width="2.5" stroke-linejoin="round"/>`);
    if (data.episodes.length <= 200)
      out.push(`<g fill="${blue}" fill-opacity="0.6">${data.episodes.map((p) => `<circle cx="${fmt(sx(p.step))}" cy="${fmt(sy(p.value))}" r="2.5"/>`).join("")}</g>`);
    const n = data.episodes.length;
    items.push([blue, `training episodes (${n}${window > 1 ? `; bold: mean of last ${window}` : ""})`]);
  }
  if (data.evals.length) {
    out.push(`<path id="eval-return" d="${path(data.evals)}" fill="none" stroke="${orange}" stroke-width="2" stroke-dasharray="5 3"/>`);
    out.push(`<g fill="${orange}">${data.evals.map((p) => `<circle cx="${fmt(sx(p.step))}" cy="${fmt(sy(p.value))}" r="3.5"/>`).join("")}</g>`);
    items.push([orange, `evaluation, deterministic (${data.evals.length} point${data.evals.length > 1 ? "s" : ""})`]);
  }
  if (!items.length) out.push(`<text x="${box.left + box.width / 2}" y="${box.top + box.height / 2}" text-anchor="middle" font-size="14" fill="#888">no finished episodes yet</text>`);
  legend(items);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** One line of `bandsSvg`: its label and points with a spread (e.g. mean ± std over seeds). */
export interface Band {
  label: string;
  points: { step: number; mean: number; std: number }[];
}

/** Options of `bandsSvg` and `histogramSvg`. */
export interface ChartOptions {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
  xLabel: string;
  yLabel: string;
}

/** Frame of a chart (title, grid, ticks, axis labels) over the data ranges; returns the SVG lines and the scales. */
function frame(opts: ChartOptions, xr: [number, number], yr: [number, number], xTickLabel: (x: number) => string = (x) => tickLabel(x)) {
  const W = opts.width ?? 760;
  const H = opts.height ?? 440;
  const m = { left: 72, right: 24, top: opts.subtitle ? 62 : 46, bottom: 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const xTicks = niceTicks(xr[0], xr[1], 6);
  const pad = yr[1] > yr[0] ? 0.05 * (yr[1] - yr[0]) : Math.max(1, Math.abs(yr[0]) * 0.1);
  const [y0, y1] = [yr[0] - pad, yr[1] + pad];
  const yTicks = niceTicks(y0, y1, 6).filter((t) => t >= y0 && t <= y1);
  const [x0, x1] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Verdana, sans-serif">`);
  out.push(`<title>${escapeXml(opts.title)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold" fill="#222">${escapeXml(opts.title)}</text>`);
  if (opts.subtitle) out.push(`<text x="${W / 2}" y="44" text-anchor="middle" font-size="12" fill="#555">${escapeXml(opts.subtitle)}</text>`);
  out.push(`<g stroke="#e6e6e6" stroke-width="1">`);
  for (const t of xTicks) out.push(`<line x1="${fmt(sx(t))}" y1="${m.top}" x2="${fmt(sx(t))}" y2="${m.top + ph}"/>`);
  for (const t of yTicks) out.push(`<line x1="${m.left}" y1="${fmt(sy(t))}" x2="${m.left + pw}" y2="${fmt(sy(t))}"/>`);
  out.push(`</g>`, `<g font-size="12" fill="#333">`);
  for (const t of xTicks) out.push(`<text x="${fmt(sx(t))}" y="${m.top + ph + 18}" text-anchor="middle">${xTickLabel(t)}</text>`);
  for (const t of yTicks) out.push(`<text x="${m.left - 8}" y="${fmt(sy(t) + 4)}" text-anchor="end">${tickLabel(t, 1e5)}</text>`);
  out.push(`</g>`);
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888" stroke-width="1"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle" font-size="13" fill="#222">${escapeXml(opts.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13" fill="#222">${escapeXml(opts.yLabel)}</text>`);
  const legend = (items: readonly [string, string][]) => {
    if (!items.length) return;
    const w = 40 + 6.4 * Math.max(...items.map(([, t]) => t.length));
    out.push(`<rect x="${m.left + 4}" y="${m.top + 4}" width="${w}" height="${items.length * 18 + 6}" fill="#ffffff" fill-opacity="0.85" stroke="#dddddd"/>`);
    items.forEach(([color, text], i) => {
      const y = m.top + 16 + i * 18;
      out.push(`<line x1="${m.left + 10}" y1="${y - 4}" x2="${m.left + 32}" y2="${y - 4}" stroke="${color}" stroke-width="3"/>`);
      out.push(`<text x="${m.left + 38}" y="${y}" font-size="12" fill="#222">${escapeXml(text)}</text>`);
    });
  };
  return { out, sx, sy, y0, legend, box: { left: m.left, top: m.top, width: pw, height: ph } };
}

/**
 * Several curves with shaded spreads (mean ± std) on one chart, e.g. evaluation return against steps for each algorithm,
 * averaged over seeds. Paths carry the ids `band-<i>` and `mean-<i>`.
 */
export function bandsSvg(bands: readonly Band[], opts: ChartOptions): string {
  const pts = bands.flatMap((b) => b.points);
  const xr: [number, number] = [0, Math.max(1, ...pts.map((p) => p.step))];
  const yr: [number, number] = pts.length ? [Math.min(...pts.map((p) => p.mean - p.std)), Math.max(...pts.map((p) => p.mean + p.std))] : [0, 1];
  const { out, sx, sy, legend } = frame(opts, xr, yr);
  bands.forEach((b, i) => {
    if (!b.points.length) return;
    const color = PALETTE[i % PALETTE.length]!;
    const upper = b.points.map((p) => `${fmt(sx(p.step))},${fmt(sy(p.mean + p.std))}`);
    const lower = b.points.map((p) => `${fmt(sx(p.step))},${fmt(sy(p.mean - p.std))}`).reverse();
    out.push(`<path id="band-${i}" d="M${[...upper, ...lower].join("L")}Z" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
    out.push(`<path id="mean-${i}" d="${b.points.map((p, j) => `${j ? "L" : "M"}${fmt(sx(p.step))},${fmt(sy(p.mean))}`).join("")}" fill="none" stroke="${color}" stroke-width="2.5" stroke-linejoin="round"/>`);
  });
  legend(bands.map((b, i) => [PALETTE[i % PALETTE.length]!, b.label]));
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/**
 * A histogram of `values` over [lo, hi] in `bins` equal bins, bars showing the share of values per bin (values outside
 * are clamped into the edge bins); `marks` draws dashed vertical lines (e.g. the optimal actions). Bars carry the id
 * `bar-<i>`.
 */
export function histogramSvg(values: readonly number[], lo: number, hi: number, bins: number, opts: ChartOptions & { marks?: readonly number[] }): string {
  if (!(hi > lo) || !Number.isInteger(bins) || bins <= 0) throw new RangeError(`histogramSvg: need lo < hi and a positive integer bins; got lo ${lo}, hi ${hi}, bins ${bins}`);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)))]! += 1;
  const shares = counts.map((c) => c / Math.max(1, values.length));
  const { out, sx, sy, y0 } = frame(opts, [lo, hi], [0, Math.max(...shares)], (x) => String(Number(x.toPrecision(4))));
  const w = (hi - lo) / bins;
  shares.forEach((sh, i) => {
    const [xa, xb] = [sx(lo + i * w), sx(lo + (i + 1) * w)];
    out.push(`<rect id="bar-${i}" x="${fmt(xa)}" y="${fmt(sy(sh))}" width="${fmt(Math.max(0, xb - xa - 1))}" height="${fmt(Math.max(0, sy(Math.max(0, y0)) - sy(sh)))}" fill="${PALETTE[0]}"/>`);
  });
  for (const mk of opts.marks ?? []) out.push(`<line x1="${fmt(sx(mk))}" y1="${fmt(sy(Math.max(...shares)))}" x2="${fmt(sx(mk))}" y2="${fmt(sy(Math.max(0, y0)))}" stroke="${PALETTE[1]}" stroke-width="1.5" stroke-dasharray="5 3"/>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

const require = createRequire(import.meta.url);

/** System copy of the same font, used when the npm package is missing (Debian's fonts-dejavu-core). */
const SYSTEM_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/** The TrueType font used for text in PNGs: DejaVu Sans from the `dejavu-fonts-ttf` package, else the system copy, else null. */
export function fontPath(): string | null {
  try {
    return require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf");
  } catch {
    return existsSync(SYSTEM_FONT) ? SYSTEM_FONT : null;
  }
}

let wasmReady: Promise<void> | null = null;

/** Renders an SVG to PNG bytes with resvg (wasm build; text in DejaVu Sans), scaled by `scale`. */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const resvg = await import("@resvg/resvg-wasm");
  wasmReady ??= resvg.initWasm(readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
  await wasmReady;
  const font = fontPath();
  const r = new resvg.Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "#ffffff",
    font: font ? { fontBuffers: [readFileSync(font)], defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" } : { fontBuffers: [] },
  });
  const image = r.render();
  const png = image.asPng();
  image.free();
  r.free();
  return png;
}

/** Writes `curve.svg` and `curve.png` for the metrics in `jsonlPath`; returns the curve data it plotted. */
export async function writeCurvePlots(jsonlPath: string, svgPath: string, pngPath: string, opts: CurveOptions): Promise<CurveData> {
  const data = readCurve(jsonlPath);
  const svg = curveSvg(data, opts);
  writeFileSync(svgPath, svg);
  writeFileSync(pngPath, await svgToPng(svg));
  return data;
}
