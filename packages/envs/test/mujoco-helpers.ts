// Test helpers for MuJoCo models: bitwise comparison, a deterministic action stream, and compiled-model array equality.
import { expect } from "vitest";
import type { MjModel } from "mujoco-js";
import { requireMujoco } from "../src/mujoco/runtime.ts";

/** Number of elements whose bits differ (NaN-aware); a length mismatch counts every element. */
export function bitMismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** Deterministic uniform float32 actions in [lo, hi] from a small LCG (the policy need not be a Drift PRNG). */
export function actionStream(seed: number, lo: ArrayLike<number>, hi: ArrayLike<number>): () => Float32Array {
  let s = seed >>> 0;
  return () => {
    const a = new Float32Array(lo.length);
    for (let i = 0; i < a.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      a[i] = lo[i]! + (hi[i]! - lo[i]!) * (s / 2 ** 32);
    }
    return a;
  };
}

/**
 * Fields that are deliberately different: rendering-only data (cameras, lights, textures, materials, colours, the
 * visual/skin tables), name tables, custom numerics, and memory sizing (we set `<size memory="512K"/>`).
 */
export const RENDER_OR_BOOKKEEPING =
  /^(cam_|light_|tex_|mat_|skin_|name_|names|paths|npaths|numeric_|nnumeric|ncam|nlight|ntex|nmat|nskin|nnames|narena|nbuffer|buffer$|signature$|geom_rgba$|geom_matid$|site_rgba$|site_matid$)/;

/**
 * Compares every numeric field and array of two compiled models (top level, `opt` and `stat`) except those matching
 * `excluded`, asserting each element differs by at most 1e-12, and that bodies, joints, geoms, sites, tendons,
 * actuators and sensors carry the same names in the same order. Returns the compared field names and the largest
 * absolute difference.
 */
export function compareModels(ref: MjModel, ours: MjModel, excluded: RegExp = RENDER_OR_BOOKKEEPING): { compared: string[]; maxDiff: number } {
  const mj = requireMujoco("test");
  const compared: string[] = [];
  let maxDiff = 0;
  const compare = (name: string, a: unknown, b: unknown) => {
    if (typeof a === "number" || typeof a === "bigint") {
      expect(b, name).toBe(a);
      compared.push(name);
    } else if (ArrayBuffer.isView(a)) {
      const x = a as unknown as ArrayLike<number | bigint>;
      const y = b as ArrayLike<number | bigint>;
      expect(y.length, `${name} length`).toBe(x.length);
      for (let i = 0; i < x.length; i++) {
        const diff = Math.abs(Number(x[i]) - Number(y[i]));
        if (!(diff <= 1e-12) && !(Number.isNaN(Number(x[i])) && Number.isNaN(Number(y[i])))) expect.fail(`${name}[${i}]: ${x[i]} vs ${y[i]}`);
        if (diff > maxDiff) maxDiff = diff;
      }
      compared.push(name);
    }
  };
  const fields = (o: object) => Object.getOwnPropertyNames(Object.getPrototypeOf(o)).filter((k) => k !== "constructor" && k !== "copy");
  for (const k of fields(ref)) if (!excluded.test(k)) compare(k, (ref as never)[k], (ours as never)[k]);
  for (const k of fields(ref.opt)) compare(`opt.${k}`, (ref.opt as never)[k], (ours.opt as never)[k]);
  for (const k of fields(ref.stat)) compare(`stat.${k}`, (ref.stat as never)[k], (ours.stat as never)[k]);
  const o = mj.mjtObj;
  const kinds = [
    [o.mjOBJ_BODY.value, ref.nbody], [o.mjOBJ_JOINT.value, ref.njnt], [o.mjOBJ_GEOM.value, ref.ngeom], [o.mjOBJ_SITE.value, ref.nsite],
    [o.mjOBJ_TENDON.value, ref.ntendon], [o.mjOBJ_ACTUATOR.value, ref.nu], [o.mjOBJ_SENSOR.value, ref.nsensor], [o.mjOBJ_EQUALITY.value, ref.neq],
  ] as const;
  for (const [type, count] of kinds) for (let i = 0; i < count; i++) expect(mj.mj_id2name(ours, type, i), `object type ${type} id ${i}`).toBe(mj.mj_id2name(ref, type, i));
  return { compared, maxDiff };
}
