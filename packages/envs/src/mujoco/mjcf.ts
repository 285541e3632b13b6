// Typed MJCF builder: plain TypeScript objects describing a MuJoCo model, serialised to an MJCF XML string.
import { DriftError } from "@drift/tensor";

/** A 2-vector, e.g. a joint range or a control range. */
export type Vec2 = readonly [number, number];
/** A 3-vector (position, axis, gravity, solimp). */
export type Vec3 = readonly [number, number, number];
/** A quaternion (w, x, y, z); MuJoCo normalises it at compile time. */
export type Quat = readonly [number, number, number, number];

/** `<joint>`: a degree of freedom between a body and its parent (MuJoCo XML reference, "joint"). */
export interface JointSpec {
  /** Joint name (also used by actuators and tendons to refer to it). */
  name?: string;
  /** Joint kind; MuJoCo's default is "hinge". */
  type?: "hinge" | "slide" | "ball" | "free";
  /** Anchor position in the body frame. */
  pos?: Vec3;
  /** Rotation (hinge) or translation (slide) axis; normalised by the compiler. */
  axis?: Vec3;
  /** Whether `range` is enforced. */
  limited?: boolean;
  /** Limits, in the compiler's angle unit for hinges. */
  range?: Vec2;
  /** Reflected rotor inertia added to the diagonal of the mass matrix. */
  armature?: number;
  /** Viscous damping coefficient. */
  damping?: number;
  /** Spring stiffness towards `springref`. */
  stiffness?: number;
  /** Reference position (the value of qpos0 for slide and hinge joints). */
  ref?: number;
  /** Distance within which the limit constraint becomes active. */
  margin?: number;
  /** Solver reference parameters of the limit constraint. */
  solreflimit?: Vec2;
  /** Solver impedance parameters of the limit constraint. */
  solimplimit?: Vec3;
}

/** `<geom>`: a collision/inertia shape attached to a body. */
export interface GeomSpec {
  /** Geom name. */
  name?: string;
  /** Shape; MuJoCo's default is "sphere". */
  type?: "plane" | "sphere" | "capsule" | "ellipsoid" | "cylinder" | "box";
  /** Shape sizes (1–3 numbers, meaning depends on `type`). */
  size?: readonly number[];
  /** Position in the body frame. */
  pos?: Vec3;
  /** Orientation as a quaternion. */
  quat?: Quat;
  /** Orientation as axis (x, y, z) and angle (compiler angle unit). */
  axisangle?: Quat;
  /** Capsule/cylinder segment endpoints (x1 y1 z1 x2 y2 z2); overrides pos/orientation/length. */
  fromto?: readonly [number, number, number, number, number, number];
  /** Sliding, torsional and rolling friction; fewer than 3 numbers set only the leading ones. */
  friction?: readonly number[];
  /** Contact dimensionality (1, 3, 4 or 6). */
  condim?: number;
  /** Contact type bitmask. */
  contype?: number;
  /** Contact affinity bitmask. */
  conaffinity?: number;
  /** Density used to infer mass from the volume. */
  density?: number;
  /** Contact detection margin. */
  margin?: number;
  /** Contact solver reference parameters. */
  solref?: Vec2;
  /** Contact solver impedance parameters. */
  solimp?: Vec3;
  /** Custom user numbers (length at most `size.nuser_geom`). */
  user?: readonly number[];
}

/** `<body>`: a rigid body with its joints, geoms and child bodies. */
export interface BodySpec {
  /** Body name. */
  name?: string;
  /** Frame position relative to the parent. */
  pos?: Vec3;
  /** Frame orientation relative to the parent. */
  quat?: Quat;
  /** Joints, in qpos order. */
  joints?: readonly JointSpec[];
  /** Geoms, in geom-id order. */
  geoms?: readonly GeomSpec[];
  /** Child bodies, in body-id order. */
  bodies?: readonly BodySpec[];
}

/** `<motor>`: a direct-drive actuator on a joint (force = gear · ctrl). */
export interface MotorSpec {
  /** Actuator name. */
  name?: string;
  /** Name of the driven joint. */
  joint?: string;
  /** Transmission gain. */
  gear?: number;
  /** Whether `ctrlrange` clamps the control. */
  ctrllimited?: boolean;
  /** Control limits. */
  ctrlrange?: Vec2;
}

/** `<tendon><fixed>`: a linear combination of joint positions. */
export interface FixedTendonSpec {
  /** Tendon name. */
  name: string;
  /** Joints and their coefficients. */
  joints: readonly { joint: string; coef: number }[];
}

/** A whole model. Only physics-relevant elements exist: no textures, materials, lights, cameras or visual settings. */
export interface MjcfModel {
  /** Model name (`<mujoco model=...>`). */
  name: string;
  /** `<compiler>` attributes. */
  compiler?: { angle?: "radian" | "degree"; inertiafromgeom?: boolean; settotalmass?: number };
  /** `<option>` attributes. */
  option?: {
    timestep?: number;
    gravity?: Vec3;
    integrator?: "Euler" | "RK4" | "implicit" | "implicitfast";
    solver?: "PGS" | "CG" | "Newton";
    iterations?: number;
  };
  /** `<size>` attributes; `memory` sizes the per-MjData arena (e.g. "512K"). */
  size?: { memory?: string; nuser_geom?: number; nkey?: number };
  /** Attributes of the main `<default>` class. */
  defaults?: { joint?: Omit<JointSpec, "name">; geom?: Omit<GeomSpec, "name">; motor?: Omit<MotorSpec, "name" | "joint"> };
  /** Geoms and bodies of the world body. */
  worldbody: { geoms?: readonly GeomSpec[]; bodies?: readonly BodySpec[] };
  /** Fixed tendons. */
  tendons?: readonly FixedTendonSpec[];
  /** Actuators, in ctrl order. */
  actuators?: readonly MotorSpec[];
}

type AttrValue = string | number | boolean | readonly number[] | undefined;

function fail(path: string, message: string): never {
  throw new DriftError("mjcf", `${path}: ${message}`);
}

function formatValue(path: string, key: string, v: Exclude<AttrValue, undefined>): string {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  const nums: readonly number[] = typeof v === "number" ? [v] : v;
  if (nums.length === 0) fail(path, `attribute ${key} is an empty list; expected at least one number`);
  for (const n of nums) if (!Number.isFinite(n)) fail(path, `attribute ${key} has a non-finite number ${n}`);
  // String(n) is the shortest decimal that round-trips, so the compiler reads back exactly the same double.
  return nums.map((n) => String(n)).join(" ");
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function attrs(path: string, obj: object): string {
  let out = "";
  for (const [key, value] of Object.entries(obj) as [string, AttrValue][]) {
    if (value === undefined) continue;
    out += ` ${key}="${escapeXml(formatValue(path, key, value))}"`;
  }
  return out;
}

function element(indent: string, tag: string, path: string, obj: object, children: string[] = []): string {
  const open = `${indent}<${tag}${attrs(path, obj)}`;
  return children.length === 0 ? `${open}/>` : `${open}>\n${children.join("\n")}\n${indent}</${tag}>`;
}

function bodyXml(indent: string, body: BodySpec, path: string): string {
  const { joints = [], geoms = [], bodies = [], ...own } = body;
  const here = `${path}/${body.name ?? "body"}`;
  const children = [
    ...joints.map((j, i) => element(indent + "  ", "joint", `${here}/joint[${i}]`, j)),
    ...geoms.map((g, i) => element(indent + "  ", "geom", `${here}/geom[${i}]`, g)),
    ...bodies.map((b) => bodyXml(indent + "  ", b, here)),
  ];
  return element(indent, "body", here, own, children);
}

/**
 * Serialises a model description to MJCF XML. Elements are emitted in the order given (which fixes the body, joint,
 * geom and actuator ids); numbers are written as shortest round-trip decimals, so the compiled model sees exactly the
 * doubles of the description. Throws a DriftError for non-finite numbers or empty lists.
 */
export function toMjcf(model: MjcfModel): string {
  const lines: string[] = [`<mujoco model="${escapeXml(model.name)}">`];
  if (model.compiler) lines.push(element("  ", "compiler", "compiler", model.compiler));
  if (model.option) lines.push(element("  ", "option", "option", model.option));
  if (model.size) lines.push(element("  ", "size", "size", model.size));
  if (model.defaults) {
    const d = model.defaults;
    const kids: string[] = [];
    if (d.joint) kids.push(element("    ", "joint", "default/joint", d.joint));
    if (d.geom) kids.push(element("    ", "geom", "default/geom", d.geom));
    if (d.motor) kids.push(element("    ", "motor", "default/motor", d.motor));
    lines.push(element("  ", "default", "default", {}, kids));
  }
  const world = [
    ...(model.worldbody.geoms ?? []).map((g, i) => element("    ", "geom", `worldbody/geom[${i}]`, g)),
    ...(model.worldbody.bodies ?? []).map((b) => bodyXml("    ", b, "worldbody")),
  ];
  lines.push(element("  ", "worldbody", "worldbody", {}, world));
  if (model.tendons && model.tendons.length > 0) {
    const fixed = model.tendons.map((t) =>
      element("    ", "fixed", `tendon/${t.name}`, { name: t.name }, t.joints.map((j) => element("      ", "joint", `tendon/${t.name}`, j))),
    );
    lines.push(element("  ", "tendon", "tendon", {}, fixed));
  }
  if (model.actuators && model.actuators.length > 0) {
    lines.push(element("  ", "actuator", "actuator", {}, model.actuators.map((a, i) => element("    ", "motor", `actuator[${i}]`, a))));
  }
  lines.push("</mujoco>");
  return lines.join("\n") + "\n";
}
