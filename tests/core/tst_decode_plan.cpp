// The launch plan of the fused CUDA decode step that is plain C++ (core/cuda/tile_split.h): how many
// warps share a 4-bit tile.  The expected choices are the fastest variants measured on the H200
// (tests/bench/results/2026-12-03-h200-rope-in-attention/), launch by launch; the GPU machine checks
// the kernels themselves (slimbench-cuda-check).
#include "core/cuda/tile_split.h"

#include <QtTest/QtTest>

using slim::cuda::tileSplit;

namespace {

// A tile is 4 rows; a batch is 64 bytes of codes per lane over one matrix (q/k/v, o, down, lm_head) or
// 32 bytes each of two (gate and up): 8 lanes per row, so a row of K inputs takes ⌈K / 32 / 32⌉ batches,
// or ⌈K / 32 / 16⌉ for gate/up.  The H200 holds 2 blocks of the tile kernel per SM: 264 blocks.
constexpr int kBlocks = 264;
constexpr int steps(int K, bool gateUp) { return (K / 32 + (gateUp ? 16 : 32) - 1) / (gateUp ? 16 : 32); }

} // namespace

class TestDecodePlan : public QObject {
    Q_OBJECT
private slots:
    void tileSplitPicksTheMeasuredBest_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("K");
        QTest::addColumn<bool>("gateUp");
        QTest::addColumn<int>("expected");
        // Llama-3-8B: hidden 4096, 32 + 2·8 heads of 128, intermediate 14336, vocabulary 128256.
        QTest::newRow("8B q/k/v") << 6144 << 4096 << false << 1;     // 8.4 µs; 4 warps 9.1
        QTest::newRow("8B o") << 4096 << 4096 << false << 2;         // 5.5 µs; 1 warp 6.8
        QTest::newRow("8B gate/up") << 14336 << 4096 << true << 1;   // 21.8 µs; 4 warps 22.7
        QTest::newRow("8B down") << 4096 << 14336 << false << 2;     // 12.5 µs; 1 warp 18.4
        QTest::newRow("8B lm_head") << 128256 << 4096 << false << 1; // 79.5 µs
        // TinyLlama: hidden 2048, 32 + 2·4 heads of 64, intermediate 5632, vocabulary 32000.
        QTest::newRow("TinyLlama q/k/v") << 2560 << 2048 << false << 2;  // 4.4 µs; 8 warps 6.8
        QTest::newRow("TinyLlama o") << 2048 << 2048 << false << 2;      // 3.6 µs; 4 warps 3.9
        QTest::newRow("TinyLlama gate/up") << 5632 << 2048 << true << 1; // 7.2 µs; 4 warps 7.9
        QTest::newRow("TinyLlama down") << 2048 << 5632 << false << 4;   // 5.9 µs; 2 warps 6.5
    }
    void tileSplitPicksTheMeasuredBest() {
        QFETCH(int, rows);
        QFETCH(int, K);
        QFETCH(bool, gateUp);
        QFETCH(int, expected);
        QCOMPARE(tileSplit(rows / 4, kBlocks, steps(K, gateUp)), expected);
    }

    void tileSplitIsAWarpCountThatHasWork() {
        // Every answer divides the block's 8 warps, and a tile never gets more warps than its batches
        // rounded up to a power of two (more would only add rounds).
        for (int tiles : {1, 7, 64, 263, 264, 265, 1000, 5000, 40000})
            for (int blocks : {1, 132, 264, 528})
                for (int s : {1, 2, 3, 4, 7, 14, 28}) {
                    const int split = tileSplit(tiles, blocks, s);
                    QVERIFY2(split == 1 || split == 2 || split == 4 || split == 8, qPrintable(QString::number(split)));
                    QVERIFY2(split < 2 * s, qPrintable(QString("tiles %1 blocks %2 steps %3: %4 warps").arg(tiles).arg(blocks).arg(s).arg(split)));
                }
        // One batch per tile and tiles enough for every warp: one warp per tile (no barrier).
        QCOMPARE(tileSplit(100000, 264, 1), 1);
        // Few tiles with long rows: the warps share them.
        QCOMPARE(tileSplit(264, 264, 28), 8);
    }
};

QTEST_GUILESS_MAIN(TestDecodePlan)
#include "tst_decode_plan.moc"
