// The CPU decode kernels (core/cpu/gemv.h) against plain scalar references, on both the hand-written
// AVX-512 kernels (where this CPU has them) and the portable ones; the thread pool; and the
// projections that use them against LibTorch's GEMM.
#include "core/cpu/attention.h"
#include "core/cpu/elementwise.h"
#include "core/cpu/gemm.h"
#include "core/cpu/gemv.h"
#include "core/cpu/projection.h"
#include "core/cpu/thread_pool.h"
#include "core/model/linear.h"
#include "core/model/llama_ops.h"
#include "core/quant/quantized_linear.h"
#include "core/quant/quantizer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <atomic>

using namespace slim;

namespace {

double relErr(const at::Tensor& got, const at::Tensor& ref) {
    return (got.to(at::kDouble) - ref.to(at::kDouble)).abs().max().item<double>() /
           std::max(1e-30, ref.to(at::kDouble).abs().max().item<double>());
}

/// Both kernel families: hand-written (if the CPU has them) and portable.
template <class F>
void forBothKernels(F&& f) {
    for (bool hand : {true, false}) {
        const bool before = cpu::setHandWrittenKernels(hand);
        f(hand ? "hand-written" : "portable");
        cpu::setHandWrittenKernels(before);
    }
}

struct IntCase {
    quant::IntQuantized q;
    at::Tensor qweight, qzeros, floatZeros, scales;
    cpu::IntWeights w;
};

/// RTN-quantize a random (out, in) matrix and pack it as QuantizedLinear does.
IntCase makeInt(int bits, int64_t out, int64_t in, int64_t group, bool floatZero) {
    IntCase c;
    quant::IntSpec s;
    s.bits = bits;
    s.groupSize = group;
    c.q = quant::rtnQuantize(at::randn({out, in}), s);
    if (floatZero)
        c.q.floatZero = true;
    quant::QuantizedLinear lin(c.q, std::nullopt, at::kFloat);
    c.qweight = lin.qweight();
    c.qzeros = lin.qzeros();
    c.scales = lin.scales();
    if (floatZero)
        c.floatZeros = lin.zeroPoints().to(at::kHalf).contiguous();
    c.w.bits = bits;
    c.w.in = in;
    c.w.out = out;
    c.w.group = group;
    c.w.qweight = c.qweight.data_ptr<int32_t>();
    if (floatZero)
        c.w.zerosF16 = reinterpret_cast<const uint16_t*>(c.floatZeros.data_ptr<at::Half>());
    else
        c.w.qzeros = c.qzeros.data_ptr<int32_t>();
    c.w.scales = reinterpret_cast<const uint16_t*>(c.scales.data_ptr<at::Half>());
    return c;
}

} // namespace

class TestCpuKernels : public QObject {
    Q_OBJECT
private slots:
    void threadPoolCoversTheRangeOnce() {
        cpu::ThreadPool pool(3);
        QCOMPARE(pool.threads(), 3);
        for (int64_t n : {1, 7, 64, 1000, 4097}) {
            std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
            for (int rep = 0; rep < 50; ++rep)   // many jobs in a row: workers spin, then sleep
                pool.parallelFor(n, 16, [&](int64_t a, int64_t b) {
                    QVERIFY(a % 16 == 0);
                    for (int64_t i = a; i < b; ++i)
                        hits[static_cast<size_t>(i)]++;
                });
            for (auto& h : hits)
                QCOMPARE(h.load(), 50);
        }
        QThread::msleep(5);   // workers asleep now (past the spin window): a job still wakes them
        std::atomic<int64_t> sum{0};
        pool.parallelFor(100, 1, [&](int64_t a, int64_t b) {
            for (int64_t i = a; i < b; ++i)
                sum += i;
        });
        QCOMPARE(sum.load(), int64_t(4950));
    }

    void denseKernelsMatchTheScalarReference() {
        at::manual_seed(3);
        forBothKernels([](const char* which) {
            // in not a multiple of 32 (masked tails), out not a multiple of 4 or 16, 1..8 rows.
            for (int64_t in : {64, 96, 200, 2048})
                for (int64_t out : {1, 5, 37, 130})
                    for (int rows : {1, 3, 8}) {
                        const at::Tensor W = at::randn({out, in});
                        const at::Tensor X = at::randn({rows, in});
                        struct Case { cpu::DenseType type; at::Tensor w, x; double tol; };
                        const Case cases[] = {
                            {cpu::DenseType::F32, W, X, 1e-5},
                            {cpu::DenseType::F16, W.to(at::kHalf), X, 1e-5},
                            {cpu::DenseType::BF16, W.to(at::kBFloat16), X.to(at::kBFloat16), 1e-5},
                        };
                        for (const auto& c : cases) {
                            at::Tensor y = at::empty({rows, out}), ref = at::empty({rows, out});
                            cpu::denseGemv(c.type, c.x.data_ptr(), rows, c.w.data_ptr(), out, in, y.data_ptr<float>());
                            cpu::denseGemvReference(c.type, c.x.data_ptr(), rows, c.w.data_ptr(), out, in, ref.data_ptr<float>());
                            const double e = relErr(y, ref);
                            QVERIFY2(e < c.tol, qPrintable(QString("%1 type %2 in %3 out %4 rows %5: %6").arg(which)
                                                             .arg(int(c.type)).arg(in).arg(out).arg(rows).arg(e)));
                        }
                    }
        });
    }

    void widenedGemmMatchesTheDoubleReference() {
        if (!cpu::hasWidenedGemm())
            QSKIP("no AVX2 / FMA / F16C on this CPU");
        at::manual_seed(4);
        // Rows and columns that leave partial tiles (4 x 3), inputs past a block (1024) and not a multiple
        // of 8 (the scalar tail), more columns than one chunk of the pool.
        for (int64_t in : {8, 100, 1030, 2048})
            for (int64_t out : {1, 7, 50, 97})
                for (int64_t rows : {1, 5, 13}) {
                    const at::Tensor W = at::randn({out, in}), X = at::randn({rows, in});
                    for (auto dt : {at::kBFloat16, at::kHalf}) {
                        const at::Tensor w = W.to(dt);
                        at::Tensor y = at::full({rows, out}, 7.f);   // overwritten, not added to
                        cpu::widenedGemm(dt == at::kBFloat16 ? cpu::WideType::BF16 : cpu::WideType::F16, X.data_ptr<float>(),
                                         rows, reinterpret_cast<const uint16_t*>(w.data_ptr()), out, in, y.data_ptr<float>());
                        // Against Σ|x|·|w| (a single output may cancel to near zero): fp32 summation error.
                        const at::Tensor ref = at::linear(X.to(at::kDouble), w.to(at::kDouble));
                        const double scale = at::linear(X.abs().to(at::kDouble), w.abs().to(at::kDouble)).max().item<double>();
                        const double e = (y.to(at::kDouble) - ref).abs().max().item<double>() / scale;
                        QVERIFY2(e < 1e-6, qPrintable(QString("dtype %1 in %2 out %3 rows %4: %5").arg(int(dt)).arg(in).arg(out).arg(rows).arg(e)));
                    }
                }
        // Through the projection: a 40-row bf16 prefill with bias, in the activation dtype.
        const at::Tensor W = at::randn({200, 512}).to(at::kBFloat16), b = at::randn({200}).to(at::kBFloat16);
        const at::Tensor x = at::randn({2, 20, 512}).to(at::kBFloat16);
        const auto y = cpu::widenedProjection(x, W, b);
        QVERIFY(y.has_value());
        QCOMPARE(y->scalar_type(), at::kBFloat16);
        QCOMPARE(y->sizes().vec(), (std::vector<int64_t>{2, 20, 200}));
        QVERIFY(relErr(*y, at::linear(x.to(at::kDouble), W.to(at::kDouble), b.to(at::kDouble))) < 1e-2);
    }

    void integerKernelsMatchTheScalarReferences() {
        at::manual_seed(5);
        forBothKernels([](const char* which) {
            for (int bits : {4, 8})
                for (int64_t group : {32, 64, 128})
                    for (bool floatZero : {false, true})
                        for (int64_t out : {32, 96, 224}) {   // 16-column tiles after the 64-column ones
                            const int64_t in = 256;
                            IntCase c = makeInt(bits, out, in, group, floatZero);
                            for (int rows : {1, 2, 5, 8, 11}) {   // 5, 11: partial groups of 4 (AVX2) and 8 rows
                                const at::Tensor x = at::randn({rows, in});
                                const QString what = QString("%1 %2-bit g%3 %4 out %5 rows %6").arg(which).arg(bits)
                                                         .arg(group).arg(floatZero ? "fp16-zero" : "int-zero").arg(out).arg(rows);
                                at::Tensor y = at::empty({rows, out}), ref = at::empty({rows, out});
                                cpu::intGemvF32(c.w, x.data_ptr<float>(), rows, y.data_ptr<float>());
                                cpu::intGemvF32Reference(c.w, x.data_ptr<float>(), rows, ref.data_ptr<float>());
                                QVERIFY2(relErr(y, ref) < 1e-5, qPrintable("f32 " + what));

                                cpu::Q8Activations qa;
                                cpu::quantizeQ8(x.data_ptr<float>(), rows, in, group, bits, qa);
                                cpu::intGemvQ8(c.w, qa, y.data_ptr<float>());
                                cpu::intGemvQ8Reference(c.w, qa, ref.data_ptr<float>());
                                QVERIFY2(relErr(y, ref) < 1e-5, qPrintable("q8 " + what));
                                if (cpu::readsIntTiles()) {
                                    // The tiled layout read by the hand-written kernel (AVX-512 VNNI or AVX2): same result.
                                    const at::Tensor tiles = cpu::tileColumns(c.qweight);
                                    QVERIFY(at::equal(cpu::untileColumns(tiles), c.qweight));
                                    cpu::IntWeights t = c.w;
                                    t.qweight = tiles.data_ptr<int32_t>();
                                    t.tiled = true;
                                    at::Tensor yt = at::empty({rows, out});
                                    cpu::intGemvQ8(t, qa, yt.data_ptr<float>());
                                    QVERIFY2(relErr(yt, ref) < 1e-5, qPrintable("q8 tiled " + what));
                                }
                                // int8 activations cost little against the exact product.
                                cpu::intGemvF32Reference(c.w, x.data_ptr<float>(), rows, ref.data_ptr<float>());
                                const double e = relErr(y, ref);
                                QVERIFY2(e < 2e-2, qPrintable(QString("q8 vs exact %1: %2").arg(what).arg(e)));
                            }
                        }
        });
    }

    void activationQuantizationRoundsPerBlock() {
        // Block of 32: d = absmax / 127, codes round(x / d); the nibble order stores 0,2,4,6,1,3,5,7.
        std::vector<float> x(64);
        for (int i = 0; i < 64; ++i)
            x[static_cast<size_t>(i)] = float(i - 20) * (i < 32 ? 0.5f : 2.0f);
        cpu::Q8Activations a;
        cpu::quantizeQ8(x.data(), 1, 64, 64, 8, a);
        QCOMPARE(a.d[0], 11.0f * 0.5f / 127.0f * 0 + 20.0f * 0.5f / 127.0f);   // |−20·0.5| is the max of block 0
        QCOMPARE(int(a.q[0]), -127);
        QCOMPARE(int(a.q[20]), 0);
        QCOMPARE(int(a.q[63]), 127);
        cpu::Q8Activations n;
        cpu::quantizeQ8(x.data(), 1, 64, 64, 4, n);
        QVERIFY(n.nibbleOrder);
        QCOMPARE(n.q[1], a.q[2]);
        QCOMPARE(n.q[4], a.q[1]);
        QCOMPARE(n.q[7], a.q[7]);
        float gs = 0;
        for (int b = 0; b < 2; ++b) {
            int s = 0;
            for (int i = 0; i < 32; ++i)
                s += a.q[static_cast<size_t>(b * 32 + i)];
            gs += a.d[static_cast<size_t>(b)] * float(s);
        }
        QCOMPARE(a.groupSum[0], gs);
    }

    void decodeAttentionMatchesTheSoftmaxReference() {
        // softmax(q kᵀ · scale + mask) v with GQA (8 query heads over 2 KV heads), causal by position or
        // with an explicit mask that hides some cache slots, over a narrowed view of a larger cache.
        at::manual_seed(13);
        for (auto dt : {at::kFloat, at::kBFloat16})
            for (int64_t T : {1, 3})
                for (bool withMask : {false, true}) {
                    const int64_t B = 2, H = 8, KV = 2, D = 64, S = 70, C = 96;
                    const at::Tensor q = at::randn({B, T, H, D}).to(dt).transpose(1, 2);   // (B, H, T, D) view
                    const at::Tensor kc = at::randn({B, KV, C, D}).to(dt), vc = at::randn({B, KV, C, D}).to(dt);
                    const at::Tensor k = kc.narrow(2, 0, S), v = vc.narrow(2, 0, S);
                    at::Tensor mask;
                    at::Tensor allowed = at::arange(S).view({1, S}) <= (at::arange(T) + (S - T)).view({T, 1});   // (T, S)
                    allowed = allowed.view({1, 1, T, S}).expand({B, 1, T, S}).clone();
                    if (withMask) {
                        allowed.select(0, 1).narrow(-1, 0, 5).fill_(false);   // row 1 cannot see its first 5 slots
                        mask = allowed;
                    }
                    const double scale = 0.125;
                    const auto got = cpu::decodeAttention(q, k, v, mask, scale);
                    QVERIFY(got.has_value());
                    // Reference in double: repeat the KV heads for GQA.
                    const at::Tensor qd = q.to(at::kDouble), kd = k.to(at::kDouble).repeat_interleave(H / KV, 1),
                                     vd = v.to(at::kDouble).repeat_interleave(H / KV, 1);
                    at::Tensor scores = at::matmul(qd, kd.transpose(2, 3)) * scale;
                    scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity());
                    const at::Tensor ref = at::matmul(at::softmax(scores, -1), vd);
                    QCOMPARE(got->scalar_type(), dt);
                    const double e = relErr(*got, ref);
                    QVERIFY2(e < (dt == at::kFloat ? 1e-5 : 1e-2),
                             qPrintable(QString("dtype %1 T %2 mask %3: %4").arg(int(dt)).arg(T).arg(withMask).arg(e)));
                }
        // Declined: more than 8 queries, or a GPU-less layout the kernel does not read.
        const at::Tensor big = at::randn({1, 2, 9, 16});
        QVERIFY(!cpu::decodeAttention(big, big, big, at::Tensor(), 1.0).has_value());
    }

    void fusedNormAndRopeMatchLibTorch() {
        // Against the unfused LibTorch expressions (llama_ops.h's reference arithmetic), per dtype.
        at::manual_seed(17);
        for (auto dt : {at::kFloat, at::kBFloat16, at::kHalf}) {
            const at::Tensor x = at::randn({3, 1, 96}).to(dt), w = (at::rand({96}) + 0.5).to(dt);
            const auto y = cpu::rmsNorm(x, w, 1e-5);
            QVERIFY(y.has_value());
            at::Tensor h = x.to(at::kFloat);
            h = h * at::rsqrt(h.pow(2).mean(-1, true) + 1e-5);
            const at::Tensor ref = w * h.to(dt);
            // fp32: summation order only; 16-bit: at most one rounding step of the output.
            QVERIFY2(relErr(*y, ref) < (dt == at::kFloat ? 1e-6 : 1e-2), qPrintable(QString("rmsnorm dtype %1").arg(int(dt))));

            const int64_t B = 2, H = 4, T = 2, D = 16;
            const at::Tensor q = at::randn({B, T, H, D}).to(dt).transpose(1, 2);
            const at::Tensor pos = at::rand({B, T, D / 2}) * 10;
            const at::Tensor emb = at::cat({pos, pos}, -1);
            const at::Tensor c = emb.cos().to(dt), s = emb.sin().to(dt);
            const auto r = cpu::applyRope(q, c, s);
            QVERIFY(r.has_value());
            QVERIFY(r->is_contiguous());
            const at::Tensor rref = q * c.unsqueeze(1) + model::rotateHalf(q) * s.unsqueeze(1);
            QVERIFY2(at::equal(*r, rref.contiguous()), qPrintable(QString("rope dtype %1: %2").arg(int(dt)).arg(relErr(*r, rref))));
        }
    }

    void trainingKeepsAutograd() {
        // The kernels compute without autograd: with gradients recorded they decline, and training
        // (LoRA, distillation, Taylor importance) still gets its gradients through LibTorch.
        model::DenseLinear lin(at::randn({8, 32}));
        const at::Tensor x = at::randn({1, 32}).requires_grad_();
        lin.forward(x).sum().backward();
        QVERIFY(x.grad().defined());
        const at::Tensor w = at::ones({32}).requires_grad_();
        QVERIFY(!cpu::rmsNorm(x, w, 1e-5).has_value());
        model::rmsNorm(x, w, 1e-5).sum().backward();
        QVERIFY(w.grad().defined());
        const at::Tensor q = at::randn({1, 2, 1, 16}).requires_grad_();
        QVERIFY(!cpu::decodeAttention(q, q.detach(), q.detach(), at::Tensor(), 1.0).has_value());
        {
            at::NoGradGuard off;   // inference: the same inputs take the kernels
            QVERIFY(cpu::rmsNorm(x, w, 1e-5).has_value());
        }
    }

    void projectionsUseTheKernelsAndMatchLibTorch() {
        at::manual_seed(9);
        const at::Tensor W = at::randn({96, 128});
        const at::Tensor bias = at::randn({96});
        for (auto dt : {at::kFloat, at::kBFloat16, at::kHalf}) {
            model::DenseLinear lin(W.to(dt), bias.to(dt));
            for (int64_t rows : {1, 4, 8, 9}) {   // 9 rows: LibTorch's GEMM (fp16 computed in fp32 there)
                const at::Tensor x = at::randn({rows, 1, 128}).to(dt);
                const at::Tensor y = lin.forward(x);
                QCOMPARE(y.scalar_type(), dt);
                QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{rows, 1, 96}));
                const at::Tensor ref = at::linear(x.to(at::kDouble), W.to(dt).to(at::kDouble), bias.to(dt).to(at::kDouble));
                const double tol = dt == at::kFloat ? 1e-5 : 1e-2;
                QVERIFY2(relErr(y, ref) < tol, qPrintable(QString("dtype %1 rows %2").arg(int(dt)).arg(rows)));
            }
        }
        // Integer: 8-bit and 4-bit, fp32 activations (exact route) and bf16 (int8-activation route).
        for (int bits : {8, 4}) {
            quant::IntSpec s;
            s.bits = bits;
            s.groupSize = 32;
            const quant::IntQuantized q = quant::rtnQuantize(W, s);
            const at::Tensor gptq = quant::QuantizedLinear(q, bias, at::kFloat).qweight();
            for (auto dt : {at::kFloat, at::kBFloat16}) {
                quant::QuantizedLinear lin(q, bias, dt);
                // Tiled or not in memory, the codes read back and saved are the GPTQ layout.
                QVERIFY(at::equal(lin.qweight(), gptq));
                QVERIFY(at::equal(lin.storedTensors().front().tensor, gptq));
                for (int64_t rows : {1, 2, 20}) {   // 20: prefill (the integer kernel with AVX-512 VNNI, else de-quantize + GEMM)
                    const at::Tensor x = at::randn({rows, 128}).to(dt);
                    const at::Tensor ref = at::linear(x.to(at::kDouble), lin.denseWeight().to(at::kDouble), bias.to(dt).to(at::kDouble));
                    const double e = relErr(lin.forward(x), ref);
                    QVERIFY2(e < (dt == at::kFloat ? 1e-5 : 2e-2),
                             qPrintable(QString("%1-bit dtype %2 rows %3: %4").arg(bits).arg(int(dt)).arg(rows).arg(e)));
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestCpuKernels)
#include "tst_cpu_kernels.moc"
