// DMC finger (dm_control's finger.xml): a two-link planar finger flicking a free-spinning body, gravity off, elliptic cones.
import type { MjcfModel, SiteSpec } from "../../mujoco/mjcf.ts";
import { ARENA_MEMORY } from "../../mujoco/models/arena.ts";

/** dm_control's "finger" class: damped limited hinges and ellipsoid touch sites in group 3. */
const FINGER_JOINT = { damping: 2.5, limited: true } as const;
const touchSite = (name: string, x: number): SiteSpec => ({ name, type: "ellipsoid", size: [0.025, 0.03, 0.025], group: 3, pos: [x, 0, -0.17] });

/**
 * The DMC finger: proximal (ref −90°) and distal hinges, a spinner hinge with friction loss, 2 motors, 12 sensors,
 * Euler at 0.01 s with 200 solver iterations. `hingeDamping` is the spinner's damping: 0.5 in the file; the Spin
 * task lowers it to 0.03 (dm_control sets `dof_damping['hinge']` when the episode starts).
 */
export function fingerModel(hingeDamping = 0.5): MjcfModel {
  return {
    name: "finger",
    option: { timestep: 0.01, cone: "elliptic", iterations: 200, flag: { gravity: "disable" } },
    size: { memory: ARENA_MEMORY },
    defaults: {
      geom: { solimp: [0, 0.9, 0.01], solref: [0.02, 1] },
      joint: { type: "hinge", axis: [0, -1, 0] },
      motor: { ctrllimited: true, ctrlrange: [-1, 1] },
    },
    worldbody: {
      geoms: [{ name: "ground", type: "plane", pos: [0, 0, 0], size: [0.6, 0.2, 10] }],
      sites: [{ name: "target", type: "sphere", size: [0.03], pos: [0, 0, 0.4] }],
      bodies: [
        {
          name: "proximal",
          pos: [-0.2, 0, 0.4],
          geoms: [
            { name: "proximal_decoration", type: "cylinder", fromto: [0, -0.033, 0, 0, 0.033, 0], size: [0.034] },
            { name: "proximal", type: "capsule", size: [0.03], fromto: [0, 0, 0, 0, 0, -0.17] },
          ],
          joints: [{ name: "proximal", range: [-110, 110], ref: -90, ...FINGER_JOINT }],
          bodies: [
            {
              name: "distal",
              pos: [0, 0, -0.18],
              joints: [{ name: "distal", range: [-110, 110], ...FINGER_JOINT }],
              geoms: [
                { name: "distal", type: "capsule", size: [0.028], fromto: [0, 0, 0, 0, 0, -0.16], contype: 0, conaffinity: 0 },
                { name: "fingertip", type: "capsule", size: [0.03], fromto: [0, 0, -0.13, 0, 0, -0.161] },
              ],
              sites: [touchSite("touchtop", 0.01), touchSite("touchbottom", -0.01)],
            },
          ],
        },
        {
          name: "spinner",
          pos: [0.2, 0, 0.4],
          joints: [{ name: "hinge", frictionloss: 0.1, damping: hingeDamping }],
          geoms: [
            { name: "cap1", type: "capsule", size: [0.04, 0.09], pos: [0.02, 0, 0] },
            { name: "cap2", type: "capsule", size: [0.04, 0.09], pos: [-0.02, 0, 0] },
            { name: "spinner_decoration", type: "cylinder", fromto: [0, -0.045, 0, 0, 0.045, 0], size: [0.02] },
          ],
          sites: [{ name: "tip", type: "sphere", size: [0.02], pos: [0, 0, 0.13] }],
        },
      ],
    },
    actuators: [
      { name: "proximal", joint: "proximal", gear: 30 },
      { name: "distal", joint: "distal", gear: 15 },
    ],
    sensors: [
      { type: "jointpos", name: "proximal", joint: "proximal" },
      { type: "jointpos", name: "distal", joint: "distal" },
      { type: "jointvel", name: "proximal_velocity", joint: "proximal" },
      { type: "jointvel", name: "distal_velocity", joint: "distal" },
      { type: "jointvel", name: "hinge_velocity", joint: "hinge" },
      { type: "framepos", name: "tip", objtype: "site", objname: "tip" },
      { type: "framepos", name: "target", objtype: "site", objname: "target" },
      { type: "framepos", name: "spinner", objtype: "xbody", objname: "spinner" },
      { type: "touch", name: "touchtop", site: "touchtop" },
      { type: "touch", name: "touchbottom", site: "touchbottom" },
      { type: "framepos", name: "touchtop_pos", objtype: "site", objname: "touchtop" },
      { type: "framepos", name: "touchbottom_pos", objtype: "site", objname: "touchbottom" },
    ],
  };
}
