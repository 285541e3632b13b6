// Pytrees: flatten/unflatten round trips, structure, map over several trees.
import { describe, expect, it } from "vitest";
import { np, tree } from "../src/index.ts";

describe("tree", () => {
  const t = { w: np.ones([2]), layers: [np.zeros([1]), { b: np.ones([3]) }], name: "mlp", n: 3, nothing: null };
  it("flattens depth-first in key order with static leaves kept in the structure", () => {
    const [leaves, def] = tree.flatten(t);
    expect(leaves.map((l) => l.shape)).toEqual([[2], [1], [3]]);
    const back = tree.unflatten<typeof t>(def, leaves);
    expect(back.name).toBe("mlp");
    expect(back.n).toBe(3);
    expect(back.nothing).toBeNull();
    expect(back.layers[1]).toHaveProperty("b");
    expect(tree.leaves(t)).toHaveLength(3);
    expect(tree.treeDefToString(tree.structure(t))).toBe('{w: *, layers: [*, {b: *}], name: "mlp", n: 3, nothing: null}');
  });
  it("map over two trees", () => {
    const s = tree.map((a, b) => np.add(a, b), t, t);
    expect(s.w.toArray()).toEqual([2, 2]);
    expect(s.name).toBe("mlp");
  });
  it("unflatten rejects the wrong number of leaves", () => {
    expect(() => tree.unflatten(tree.structure(t), [np.ones([1])])).toThrow(/more than 1 leaves/);
  });
});
