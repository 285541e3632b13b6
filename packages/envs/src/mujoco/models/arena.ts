// Per-MjData arena size shared by every built-in model.

/**
 * `<size memory=...>` for the built-in models. MuJoCo's default arena is 6–14 MiB per MjData while these robots use
 * under 60 KB, so 512 KiB lets 1000+ simulator instances share one 2 GiB wasm heap.
 */
export const ARENA_MEMORY = "512K";
