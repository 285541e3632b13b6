// @drift/cli: the `drift` command line (train, resume, eval, list) and its config validation, run directories and plots.
export { main, USAGE } from "./main.ts";
export type { Io } from "./io.ts";
export { processIo, bufferIo } from "./io.ts";
export type { ConfigError, ConfigErrors, Validated, ValueType } from "./errors.ts";
export { V, formatError, formatErrors } from "./errors.ts";
export type { ConfigSchema, TrainInputs, TrainSettings, Registry } from "./config.ts";
export { validateTrain, resolveConfig, parseSetValue, parseSet, checkValue, readConfigFile, schemaOf, suiteFor, countMin, SUITES } from "./config.ts";
export { parseArgs } from "./args.ts";
export type { OptionSpec, OptionKind, ParsedArgs } from "./args.ts";
export { closest, editDistance } from "./closest.ts";
export type { RunInfo, Versions } from "./run-dir.ts";
export { runPaths, runDirName, readRunInfo, checkpointStep, trimMetrics } from "./run-dir.ts";
export type { CurveData, Point, CurveOptions, Band, ChartOptions } from "./plot.ts";
export { curveSvg, bandsSvg, histogramSvg, svgToPng, readCurve, writeCurvePlots, niceTicks, EVAL_RETURN } from "./plot.ts";
export { ProgressBar, formatDuration, progressFields } from "./progress.ts";
export type { ProgressInfo, ProgressOptions } from "./progress.ts";
export { runTraining } from "./training.ts";
export type { TrainJob, TrainOutcome, TrainHooks } from "./training.ts";
