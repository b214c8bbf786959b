// The pipeline editor offscreen: add nodes, connect with type checks, a refused link with its reason,
// undo / redo, the property panel editing a parameter, save / open, and a run through slimbench-cli
// whose node events turn every node green.
#include "support/test_util.h"

#include "widgets/pipeline/pipeline_editor.h"
#include "widgets/pipeline/pipeline_scene.h"

#include <QAction>
#include <QGraphicsView>
#include <QSignalSpy>
#include <QSpinBox>
#include <QtTest/QtTest>

#include <fstream>

using namespace slim;
using namespace slim::widgets;
namespace fs = std::filesystem;

class TestPipelineEditor : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName("slimbench-test");
        QCoreApplication::setApplicationName("tst_pipeline_editor");
    }

    void editUndoSaveOpen() {
        PipelineEditor ed;
        ed.resize(1100, 600);
        ed.show();
        PipelineScene* s = ed.scene();
        QSignalSpy refused(s, &PipelineScene::refused);
        const QString load = s->addNode("load", {0, 0});
        const QString calib = s->addNode("calibration", {0, 200});
        const QString q = s->addNode("quantize", {300, 0});
        QCOMPARE(load, QString("load"));
        QCOMPARE(s->graph().nodes().size(), size_t(3));
        QVERIFY(s->connectPorts(load, "model", q, "model"));
        // A dataset into a model input is refused, with the reason.
        QVERIFY(!s->connectPorts(calib, "data", q, "model"));
        QCOMPARE(refused.count(), 1);
        QVERIFY(refused.takeFirst().at(0).toString().contains("type mismatch"));
        QVERIFY(s->connectPorts(calib, "data", q, "data"));
        QCOMPARE(s->graph().links().size(), size_t(2));
        QVERIFY(ed.isModified());
        // Undo / redo the last link.
        ed.undoAction()->trigger();
        QCOMPARE(s->graph().links().size(), size_t(1));
        ed.redoAction()->trigger();
        QCOMPARE(s->graph().links().size(), size_t(2));
        // The property panel edits the selected node's parameters (through the undo stack).
        s->selectNodes({q});
        auto* bits = ed.findChild<QSpinBox*>("param_bits");
        QVERIFY(bits);
        QCOMPARE(bits->value(), 4);
        bits->setValue(3);
        QMetaObject::invokeMethod(bits, "editingFinished");
        QCOMPARE(s->graph().find(q.toStdString())->params["bits"].get<int>(), 3);
        ed.undoAction()->trigger();
        QCOMPARE(s->graph().find(q.toStdString())->params["bits"].get<int>(), 4);
        // Delete removes the node and its links.
        QVERIFY(s->removeNodes({calib}));
        QCOMPARE(s->graph().links().size(), size_t(1));
        ed.undoAction()->trigger();
        QCOMPARE(s->graph().links().size(), size_t(2));
        // Save, open: the same graph.
        const fs::path f = slimtest::makeTempDir("editor") / "p.json";
        QVERIFY(ed.saveTo(QString::fromStdString(f.string())));
        QVERIFY(!ed.isModified());
        PipelineEditor other;
        QVERIFY(other.openFile(QString::fromStdString(f.string())));
        QVERIFY(other.scene()->graph().toJson() == s->graph().toJson());
        // Auto-layout moves nodes (undoable), the view fits.
        s->autoLayout();
        QVERIFY(ed.isModified());
    }

    void analyseResultOpensTheHeatmap() {
        // A finished Analyse node, double-clicked, hands its layer-similarity result to the heatmap view.
        PipelineEditor ed;
        PipelineScene* s = ed.scene();
        const QString load = s->addNode("load", {0, 0});
        const QString calib = s->addNode("calibration", {0, 150});
        const QString an = s->addNode("analyze", {300, 0});
        QVERIFY(s->setParam(load, "path", (slimtest::dataDir() / "fixtures" / "llama-fp32").string()));
        QVERIFY(s->setParam(calib, "file", slimtest::wikiTestRaw().string()));
        QVERIFY(s->connectPorts(load, "model", an, "model"));
        QVERIFY(s->connectPorts(calib, "data", an, "data"));
        const fs::path ws = slimtest::makeTempDir("editor-analyse");
        const fs::path artifact = ws / "analyze-1";
        fs::create_directories(artifact);
        {
            std::ofstream f(artifact / "result.json");
            f << R"({"similarity":{"num_layers":2,"tokens":"all","distance":[[0,0.2],[0.2,0]],)"
                 R"("recommendation":{"start":0,"block_size":1}}})";
        }
        // A stand-in for slimbench-cli run: the node finishes and the result names its artifact.
        const fs::path cli = ws / "fake-cli.sh";
        {
            std::ofstream f(cli);
            f << "#!/bin/sh\n"
              << "echo '{\"event\":\"node\",\"node\":\"" << an.toStdString() << "\",\"state\":\"done\"}'\n"
              << "echo '{\"event\":\"result\",\"nodes\":{\"" << an.toStdString() << "\":{\"artifact\":\""
              << artifact.string() << "\"}}}'\n";
        }
        fs::permissions(cli, fs::perms::owner_all);
        QSignalSpy done(&ed, &PipelineEditor::runFinished);
        QSignalSpy opened(&ed, &PipelineEditor::similarityActivated);
        ed.run(QString::fromStdString(cli.string()));
        QVERIFY(done.wait(20000));
        QCOMPARE(s->nodeState(an), QStringLiteral("done"));
        emit s->nodeActivated(an);
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened.first().at(0).toString(), an);
        QCOMPARE(opened.first().at(1).toJsonObject().value("num_layers").toInt(), 2);
    }

    void runColoursNodes() {
        // The example pipeline on the fixture model, run by slimbench-cli from the editor.
        PipelineEditor ed;
        ed.resize(1200, 650);
        ed.show();
        const fs::path fx = slimtest::dataDir() / "fixtures" / "llama-fp32";
        const fs::path ws = slimtest::makeTempDir("editor-run");
        QVERIFY(ed.openFile(QString::fromStdString((slimtest::resourceDataDir().parent_path() / "pipelines" / "prune-lora-quantize.json").string())));
        PipelineScene* s = ed.scene();
        const std::string wiki = slimtest::wikiTestRaw().string();
        const std::string ppl = "ppl:" + wiki + ":context=32,max-tokens=256";
        QVERIFY(s->setParam("model", "path", fx.string()));
        QVERIFY(s->setParam("calib", "file", wiki));
        QVERIFY(s->setParam("calib", "length", 32));
        QVERIFY(s->setParam("lora", "data", wiki));
        QVERIFY(s->setParam("lora", "steps", 8));
        QVERIFY(s->setParam("lora", "seq_len", 32));
        QVERIFY(s->setParam("q4", "group", 32));
        for (const char* e : {"eval_dense", "eval_depth", "eval_lora", "eval_q4"})
            QVERIFY(s->setParam(e, "tasks", nlohmann::json::array({ppl})));
        const fs::path file = ws / "run.json";
        QVERIFY(ed.saveTo(QString::fromStdString(file.string())));
        qputenv("SLIMBENCH_WORKSPACE", QByteArray::fromStdString(ws.string()));
        QSignalSpy done(&ed, &PipelineEditor::runFinished);
        ed.run(QString::fromStdString(slimtest::cliPath().string()));
        QVERIFY(ed.isRunning());
        // A picture of the running graph for the notes (not compared): $SLIM_SCREENSHOT_DIR when set.
        QTest::qWait(1200);
        if (const QByteArray dir = qgetenv("SLIM_SCREENSHOT_DIR"); !dir.isEmpty())
            ed.grab().save(QString::fromUtf8(dir) + "/pipeline-running.png");
        QVERIFY(done.wait(240000));
        QCOMPARE(done.takeFirst().at(0).toBool(), true);
        // A finished Evaluate node's result: its perplexity.
        QVERIFY2(ed.resultSummary("eval_q4").contains("ppl"), qPrintable(ed.resultSummary("eval_q4")));
        QVERIFY(ed.resultSummary("gguf").endsWith("model.gguf"));
        for (const auto& n : s->graph().nodes()) {
            const QString st = s->nodeState(QString::fromStdString(n.id));
            QVERIFY2(st == "done" || st == "cached", qPrintable(QString::fromStdString(n.id) + ": " + st));
        }
    }
};

QTEST_MAIN(TestPipelineEditor)
#include "tst_pipeline_editor.moc"
