// Root joints shared by the planar Hopper and Walker2d models.
import type { JointSpec } from "../mjcf.ts";

/**
 * The three unactuated root joints of a planar robot whose torso frame starts at height `z`: x and z slides anchored
 * at the ground (the z slide's `ref` makes qpos[1] the torso height) and a pitch hinge at the torso.
 */
export function planarRootJoints(z: number): JointSpec[] {
  const free = { armature: 0, damping: 0, limited: false, stiffness: 0 } as const;
  return [
    { name: "rootx", type: "slide", axis: [1, 0, 0], pos: [0, 0, -z], ...free },
    { name: "rootz", type: "slide", axis: [0, 0, 1], pos: [0, 0, -z], ref: z, ...free },
    { name: "rooty", type: "hinge", axis: [0, 1, 0], pos: [0, 0, 0], ...free },
  ];
}
