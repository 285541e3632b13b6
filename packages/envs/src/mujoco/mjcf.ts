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
  /** Dry friction loss (a constant opposing force/torque). */
  frictionloss?: number;
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
  /** Orientation as Euler angles (compiler angle unit and sequence, "xyz" by default). */
  euler?: Vec3;
  /** Orientation given by the direction of the frame's z axis (minimal rotation from +z). */
  zaxis?: Vec3;
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
  /** Mass; overrides `density` (the density is inferred from the volume). */
  mass?: number;
  /** Contact priority: the higher-priority geom's contact parameters win. */
  priority?: number;
  /** Contact detection margin. */
  margin?: number;
  /** Contact solver reference parameters. */
  solref?: Vec2;
  /** Contact solver impedance parameters. */
  solimp?: Vec3;
  /** Custom user numbers (length at most `size.nuser_geom`). */
  user?: readonly number[];
}

/** `<site>`: a massless frame attached to a body, used by sensors and spatial tendons. */
export interface SiteSpec {
  /** Site name. */
  name?: string;
  /** Shape (for rendering, touch-sensor zones and rangefinders); MuJoCo's default is "sphere". */
  type?: "sphere" | "capsule" | "ellipsoid" | "cylinder" | "box";
  /** Shape sizes (1–3 numbers, meaning depends on `type`). */
  size?: readonly number[];
  /** Position in the body frame. */
  pos?: Vec3;
  /** Orientation as a quaternion. */
  quat?: Quat;
  /** Orientation as Euler angles (compiler angle unit). */
  euler?: Vec3;
  /** Orientation given by the direction of the frame's z axis. */
  zaxis?: Vec3;
  /** Capsule/cylinder segment endpoints (x1 y1 z1 x2 y2 z2). */
  fromto?: readonly [number, number, number, number, number, number];
  /** Visualisation group (0–5). */
  group?: number;
}

/** `<body>`: a rigid body with its joints, geoms and child bodies. */
export interface BodySpec {
  /** Body name. */
  name?: string;
  /** Frame position relative to the parent. */
  pos?: Vec3;
  /** Frame orientation relative to the parent. */
  quat?: Quat;
  /** Frame orientation as Euler angles (compiler angle unit). */
  euler?: Vec3;
  /** Joints, in qpos order. */
  joints?: readonly JointSpec[];
  /** Geoms, in geom-id order. */
  geoms?: readonly GeomSpec[];
  /** Sites, in site-id order. */
  sites?: readonly SiteSpec[];
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

/**
 * `<general>`: an actuator with explicit gain, bias and activation dynamics (MuJoCo XML reference, "general"),
 * driving a joint or a tendon. Force = gain·(act or ctrl) + bias0 + bias1·length + bias2·velocity (affine bias).
 */
export interface GeneralActuatorSpec {
  /** Discriminates `<general>` from `<motor>`. */
  kind: "general";
  /** Actuator name. */
  name?: string;
  /** Name of the driven joint (exactly one of joint/tendon). */
  joint?: string;
  /** Name of the driven tendon. */
  tendon?: string;
  /** Whether `ctrlrange` clamps the control. */
  ctrllimited?: boolean;
  /** Control limits. */
  ctrlrange?: Vec2;
  /** Transmission gain. */
  gear?: number;
  /** Activation dynamics type. */
  dyntype?: "none" | "integrator" | "filter" | "filterexact";
  /** Activation dynamics parameters (for "filter": the time constant). */
  dynprm?: readonly number[];
  /** Gain type. */
  gaintype?: "fixed" | "affine";
  /** Gain parameters. */
  gainprm?: readonly number[];
  /** Bias type. */
  biastype?: "none" | "affine";
  /** Bias parameters. */
  biasprm?: readonly number[];
}

/** An actuator: a `<motor>` (MotorSpec, no `kind`) or a `<general>` (GeneralActuatorSpec). */
export type ActuatorSpec = MotorSpec | GeneralActuatorSpec;

/** `<tendon><fixed>`: a linear combination of joint positions. */
export interface FixedTendonSpec {
  /** Tendon name. */
  name: string;
  /** Joints and their coefficients. */
  joints: readonly { joint: string; coef: number }[];
}

/** `<tendon><spatial>`: a tendon whose length is the path through the listed sites. */
export interface SpatialTendonSpec {
  /** Tendon name. */
  name: string;
  /** Sites the path passes through, in order. */
  sites: readonly string[];
  /** Whether `range` is enforced (a length-limit constraint). */
  limited?: boolean;
  /** Length limits. */
  range?: Vec2;
  /** Radius (used for rendering and wrapping). */
  width?: number;
}

/** A tendon: fixed (joint coefficients) or spatial (site path). */
export type TendonSpec = FixedTendonSpec | SpatialTendonSpec;

/** `<equality><tendon>`: constrains tendon1's length to its reference length (or a polynomial of tendon2's). */
export interface TendonEqualitySpec {
  /** Constraint name. */
  name?: string;
  /** The constrained tendon. */
  tendon1: string;
  /** Solver impedance parameters. */
  solimp?: Vec3;
  /** Solver reference parameters. */
  solref?: Vec2;
}

/** `<sensor>` children: `type` is the MJCF element name; the other fields are its attributes. */
export interface SensorSpec {
  /** Sensor element, e.g. "touch", "subtreelinvel", "jointpos", "framepos", "accelerometer". */
  type:
    | "touch" | "accelerometer" | "velocimeter" | "gyro" | "force" | "torque"
    | "jointpos" | "jointvel" | "framepos" | "subtreecom" | "subtreelinvel";
  /** Sensor name. */
  name?: string;
  /** Site (touch, accelerometer, velocimeter, gyro, force, torque). */
  site?: string;
  /** Joint (jointpos, jointvel). */
  joint?: string;
  /** Body (subtreecom, subtreelinvel). */
  body?: string;
  /** Object type (frame sensors): "body", "xbody", "geom", "site". */
  objtype?: "body" | "xbody" | "geom" | "site";
  /** Object name (frame sensors). */
  objname?: string;
}

/** `<asset><hfield>`: a height field with `nrow × ncol` samples (all zero when no file or elevation is given). */
export interface HfieldSpec {
  /** Asset name. */
  name: string;
  /** Number of rows. */
  nrow: number;
  /** Number of columns. */
  ncol: number;
  /** (radius_x, radius_y, elevation_z, base_z). */
  size: readonly [number, number, number, number];
}

/** A whole model. Only physics-relevant elements exist: no textures, materials, lights, cameras or visual settings. */
export interface MjcfModel {
  /** Model name (`<mujoco model=...>`). */
  name: string;
  /** `<compiler>` attributes. */
  compiler?: { angle?: "radian" | "degree"; inertiafromgeom?: boolean; settotalmass?: number };
  /** `<option>` attributes; `flag` becomes the nested `<flag>` element (enable/disable pipeline stages). */
  option?: {
    timestep?: number;
    gravity?: Vec3;
    integrator?: "Euler" | "RK4" | "implicit" | "implicitfast";
    solver?: "PGS" | "CG" | "Newton";
    iterations?: number;
    cone?: "pyramidal" | "elliptic";
    flag?: { [K in "contact" | "constraint" | "gravity" | "energy"]?: "enable" | "disable" };
  };
  /** `<statistic>`: overrides of the automatically computed model centre and extent. */
  statistic?: { center?: Vec3; extent?: number };
  /** `<size>` attributes; `memory` sizes the per-MjData arena (e.g. "512K"). */
  size?: { memory?: string; nuser_geom?: number; nkey?: number };
  /** Attributes of the main `<default>` class. */
  defaults?: { joint?: Omit<JointSpec, "name">; geom?: Omit<GeomSpec, "name">; motor?: Omit<MotorSpec, "name" | "joint"> };
  /** `<asset>`: only physics-relevant assets (height fields). */
  asset?: { hfields?: readonly HfieldSpec[] };
  /** Geoms, sites and bodies of the world body. */
  worldbody: { geoms?: readonly GeomSpec[]; sites?: readonly SiteSpec[]; bodies?: readonly BodySpec[] };
  /** Tendons (fixed or spatial), in tendon-id order. */
  tendons?: readonly TendonSpec[];
  /** Equality constraints. */
  equality?: { tendons?: readonly TendonEqualitySpec[] };
  /** Actuators, in ctrl order. */
  actuators?: readonly ActuatorSpec[];
  /** Sensors, in sensordata order. */
  sensors?: readonly SensorSpec[];
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
  const { joints = [], geoms = [], sites = [], bodies = [], ...own } = body;
  const here = `${path}/${body.name ?? "body"}`;
  const children = [
    ...joints.map((j, i) => element(indent + "  ", "joint", `${here}/joint[${i}]`, j)),
    ...geoms.map((g, i) => element(indent + "  ", "geom", `${here}/geom[${i}]`, g)),
    ...sites.map((st, i) => element(indent + "  ", "site", `${here}/site[${i}]`, st)),
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
  if (model.option) {
    const { flag, ...opt } = model.option;
    lines.push(element("  ", "option", "option", opt, flag ? [element("    ", "flag", "option/flag", flag)] : []));
  }
  if (model.size) lines.push(element("  ", "size", "size", model.size));
  if (model.statistic) lines.push(element("  ", "statistic", "statistic", model.statistic));
  if (model.defaults) {
    const d = model.defaults;
    const kids: string[] = [];
    if (d.joint) kids.push(element("    ", "joint", "default/joint", d.joint));
    if (d.geom) kids.push(element("    ", "geom", "default/geom", d.geom));
    if (d.motor) kids.push(element("    ", "motor", "default/motor", d.motor));
    lines.push(element("  ", "default", "default", {}, kids));
  }
  const hfields = model.asset?.hfields ?? [];
  if (hfields.length > 0) lines.push(element("  ", "asset", "asset", {}, hfields.map((h) => element("    ", "hfield", `asset/${h.name}`, h))));
  const world = [
    ...(model.worldbody.geoms ?? []).map((g, i) => element("    ", "geom", `worldbody/geom[${i}]`, g)),
    ...(model.worldbody.sites ?? []).map((st, i) => element("    ", "site", `worldbody/site[${i}]`, st)),
    ...(model.worldbody.bodies ?? []).map((b) => bodyXml("    ", b, "worldbody")),
  ];
  lines.push(element("  ", "worldbody", "worldbody", {}, world));
  if (model.tendons && model.tendons.length > 0) {
    const tendons = model.tendons.map((t) => {
      const path = `tendon/${t.name}`;
      if ("sites" in t) {
        const { sites, ...own } = t;
        if (sites.length < 2) fail(path, `a spatial tendon needs at least 2 sites; got ${sites.length}`);
        return element("    ", "spatial", path, own, sites.map((site) => element("      ", "site", path, { site })));
      }
      return element("    ", "fixed", path, { name: t.name }, t.joints.map((j) => element("      ", "joint", path, j)));
    });
    lines.push(element("  ", "tendon", "tendon", {}, tendons));
  }
  const equalities = model.equality?.tendons ?? [];
  if (equalities.length > 0)
    lines.push(element("  ", "equality", "equality", {}, equalities.map((e, i) => element("    ", "tendon", `equality[${i}]`, e))));
  if (model.actuators && model.actuators.length > 0) {
    const actuators = model.actuators.map((a, i) => {
      if ("kind" in a) {
        const { kind, ...own } = a;
        return element("    ", kind, `actuator[${i}]`, own);
      }
      return element("    ", "motor", `actuator[${i}]`, a);
    });
    lines.push(element("  ", "actuator", "actuator", {}, actuators));
  }
  if (model.sensors && model.sensors.length > 0) {
    const sensors = model.sensors.map((sn, i) => {
      const { type, ...own } = sn;
      return element("    ", type, `sensor[${i}]`, own);
    });
    lines.push(element("  ", "sensor", "sensor", {}, sensors));
  }
  lines.push("</mujoco>");
  return lines.join("\n") + "\n";
}
