// Tests for the metrics logger: CSV and JSONL sinks parse back (new keys, appends, buffering, non-finite values), console format, CleanRL names.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DriftError, np } from "@drift/tensor";
import { METRICS, Logger, consoleSink, csvSink, jsonlSink, readCsv, readJsonl } from "../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "drift-rl-logger-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("CleanRL metric names", () => {
  it("match CleanRL's TensorBoard tags", () => {
    expect(METRICS.episodicReturn).toBe("charts/episodic_return");
    expect(METRICS.episodicLength).toBe("charts/episodic_length");
    expect(METRICS.sps).toBe("charts/SPS");
    expect(METRICS.qfLoss).toBe("losses/qf_loss");
    expect(METRICS.actorLoss).toBe("losses/actor_loss");
    expect(METRICS.alpha).toBe("losses/alpha");
    expect(METRICS.valueLoss).toBe("losses/value_loss");
  });
});

describe("csvSink", () => {
  it("writes a header, pads missing cells, widens the header for new keys and parses back", () => {
    const path = join(dir, "sub", "metrics.csv");
    const log = new Logger([csvSink(path)]);
    log.log(0, { [METRICS.episodicReturn]: 1.5, note: "a, \"quoted\" note" });
    log.log(1, { [METRICS.episodicReturn]: np.array(2.25) });
    expect(readFileSync(path, "utf8").split("\n")[0]).toBe("step,charts/episodic_return,note");
    log.log(2, { [METRICS.episodicReturn]: 3, [METRICS.qfLoss]: NaN, flag: true });
    log.close();
    expect(readFileSync(path, "utf8").split("\n")[0]).toBe("step,charts/episodic_return,note,losses/qf_loss,flag");
    const rows = readCsv(path);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({ step: 0, "charts/episodic_return": 1.5, note: 'a, "quoted" note', "losses/qf_loss": null, flag: null });
    expect(rows[1]).toEqual({ step: 1, "charts/episodic_return": 2.25, note: null, "losses/qf_loss": null, flag: null });
    expect(rows[2]!["losses/qf_loss"]).toBeNaN();
    expect(rows[2]!.flag).toBe(true);
    // reopening appends under the existing header; a string that looks like a number stays a string
    const again = new Logger([csvSink(path)]);
    again.log(3, { [METRICS.episodicReturn]: -Infinity, note: "12" });
    again.close();
    const all = readCsv(path);
    expect(all).toHaveLength(4);
    expect(all[3]).toEqual({ step: 3, "charts/episodic_return": -Infinity, note: "12", "losses/qf_loss": null, flag: null });
  });
  it("buffers flushEvery records", () => {
    const path = join(dir, "buffered.csv");
    const sink = csvSink(path, { flushEvery: 3 });
    sink.write({ step: 0, metrics: { x: 1 } });
    sink.write({ step: 1, metrics: { x: 2 } });
    expect(existsSync(path)).toBe(false);
    sink.flush();
    expect(readCsv(path).map((r) => r.x)).toEqual([1, 2]);
    sink.write({ step: 2, metrics: { x: 3 } });
    sink.close();
    expect(readCsv(path).map((r) => r.x)).toEqual([1, 2, 3]);
    expect(() => sink.write({ step: 3, metrics: { x: 4 } })).toThrow(DriftError);
  });
});

describe("jsonlSink", () => {
  it("appends one object per line with any keys; non-finite numbers round-trip", () => {
    const path = join(dir, "metrics.jsonl");
    const log = new Logger([jsonlSink(path)]);
    log.log(10, { [METRICS.qfLoss]: 0.5, [METRICS.alpha]: np.array(0.2, { dtype: "float64" }) });
    log.log(20, { [METRICS.actorLoss]: Infinity, [METRICS.sps]: 1234, tag: "x" });
    log.close();
    new Logger([jsonlSink(path)]).log(30, { [METRICS.qfLoss]: NaN });
    const recs = readJsonl(path);
    expect(recs).toHaveLength(3);
    expect(recs[0]).toEqual({ step: 10, "losses/qf_loss": 0.5, "losses/alpha": 0.2 });
    expect(recs[1]).toEqual({ step: 20, "losses/actor_loss": Infinity, "charts/SPS": 1234, tag: "x" });
    expect(recs[2]!["losses/qf_loss"]).toBeNaN();
    expect(readFileSync(path, "utf8").split("\n")[1]).toBe('{"step":20,"losses/actor_loss":"Infinity","charts/SPS":1234,"tag":"x"}');
  });
});

describe("consoleSink and Logger", () => {
  it("prints compact lines every n records", () => {
    const lines: string[] = [];
    const log = new Logger([consoleSink({ print: (l) => lines.push(l), every: 2 })]);
    log.log(1000, { [METRICS.episodicReturn]: 12.3456, [METRICS.qfLoss]: 0.012300001, [METRICS.episodicLength]: 200 });
    log.log(1001, { x: 1 });
    log.log(1002, { x: 1500.25, y: 1e-7 });
    expect(lines).toEqual(["step 1000 | charts/episodic_return 12.35 | losses/qf_loss 0.0123 | charts/episodic_length 200", "step 1002 | x 1500 | y 1e-7"]);
  });
  it("rejects bad steps, reserved names and logging after close", () => {
    const log = new Logger([consoleSink({ print: () => {} })]);
    expect(() => log.log(-1, { x: 1 })).toThrow(/step must be a non-negative integer/);
    expect(() => log.log(0, { step: 1 })).toThrow(/'step' is reserved/);
    expect(() => log.log(0, { x: {} as never })).toThrow(DriftError);
    log.close();
    expect(() => log.log(0, { x: 1 })).toThrow(/closed/);
  });
});
