#pragma once
/// @file tile_split.h
/// How many warps share one tile of the 4-bit decode GEMV (core/cuda/decode_kernels.cu), in plain C++ so
/// that the CPU tests can check the choice.

namespace slim::cuda {

/// Warps per tile (1, 2, 4 or 8 of a block's 8) for `tiles` tiles of `steps` batches each on `blocks`
/// resident blocks.  A block takes 8 / split tiles per round; the choice is the split with the fewest
/// serial batches per warp, counted in half batches: rounds × (2·⌈steps / split⌉ + 1 when the split warps
/// meet at a barrier; one warp per tile writes its rows without one).  The ties go to fewer warps.  On
/// the H200 (decode_step_bench, 600 cached positions) this picks the fastest measured variant of every
/// launch: on the 8B shape one warp per tile for q/k/v (9.1 → 8.4 µs per layer against 4 warps), gate/up
/// (22.7 → 21.8) and the lm_head (83 → 80 µs), two for o and down (one: 5.5 → 6.8 and 12.5 → 18.4 µs);
/// on TinyLlama two for q/k/v (6.8 → 4.4 µs against 8) and four for down.
constexpr int tileSplit(int tiles, int blocks, int steps) {
    constexpr int kWarps = 8;
    int best = 1;
    long long bestCost = 0;
    for (int split = 1; split <= kWarps; split *= 2) {
        const long long perRound = static_cast<long long>(blocks) * (kWarps / split);
        const long long rounds = (tiles + perRound - 1) / perRound;
        const long long cost = rounds * (2 * ((steps + split - 1) / split) + (split > 1 ? 1 : 0));
        if (split == 1 || cost < bestCost) {
            best = split;
            bestCost = cost;
        }
    }
    return best;
}

} // namespace slim::cuda
