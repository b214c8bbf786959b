// The GUI's device choice and "will it fit?" offscreen, against a fake engine (a stand-in
// slimbench-cli) that reports two GPUs: the catalog, the picker's entries and dtypes, a GPU the build
// cannot use, a CPU-only engine that says so, the settings' default device, and the memory estimate
// view (the real estimate, the fake GPU's free memory): red bars and the cheapest setting that fits.
#include "support/test_util.h"

#include "app/settings_dialog.h"
#include "widgets/device/device_catalog.h"
#include "widgets/device/device_picker.h"
#include "widgets/device/memory_estimate_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QtTest/QtTest>

using namespace slim::widgets;
namespace fs = std::filesystem;

namespace {

const char* kTwoGpus = R"({"event":"result","cuda_build":true,"libtorch":"2.11.0","cuda":"13.0","devices":[
{"id":"cpu","name":"Test CPU","memory_total_bytes":34359738368,"memory_free_bytes":30000000000,"dtypes":["fp32","bf16"],"usable":true},
{"id":"cuda:0","name":"NVIDIA H200","memory_total_bytes":150754820096,"memory_free_bytes":150000000000,"compute_capability":"9.0","dtypes":["bf16","fp16","fp32"],"usable":true},
{"id":"cuda:1","name":"NVIDIA GeForce RTX 3060","memory_total_bytes":12884901888,"memory_free_bytes":2147483648,"compute_capability":"8.6","dtypes":["bf16","fp16","fp32"],"usable":true},
{"id":"cuda:2","name":"Old GPU","compute_capability":"3.5","dtypes":["fp16","fp32"],"usable":false,"note":"CUDA cannot use this device"}]})";

const char* kCpuOnly = R"({"event":"result","cuda_build":false,"libtorch":"1.13.0","cuda":"","devices":[
{"id":"cpu","name":"Test CPU","memory_total_bytes":34359738368,"memory_free_bytes":30000000000,"dtypes":["fp32","bf16"],"usable":true}]})";

/// A fake engine: `devices` prints `devicesJson`; anything else runs the real slimbench-cli.
QString fakeEngine(const fs::path& dir, const char* name, const char* devicesJson) {
    const fs::path script = dir / name;
    QFile f(QString::fromStdString(script.string()));
    if (!f.open(QIODevice::WriteOnly))
        return {};
    QByteArray json(devicesJson);
    json.replace('\n', "");
    f.write("#!/bin/sh\nif [ \"$1\" = devices ]; then\n  echo '" + json + "'\n  exit 0\nfi\nexec '" +
            QByteArray::fromStdString(slimtest::cliPath().string()) + "' \"$@\"\n");
    f.close();
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return f.fileName();
}

bool enabled(QComboBox* c, int row) { return qobject_cast<QStandardItemModel*>(c->model())->item(row)->isEnabled(); }

} // namespace

class TestDevices : public QObject {
    Q_OBJECT
    fs::path m_dir;

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("SlimbenchTest");
        QCoreApplication::setApplicationName("tst_devices");
        QSettings().clear();
        m_dir = slimtest::makeTempDir("devices");
    }

    void pickerListsTheEnginesGpus() {
        DeviceCatalog catalog;
        QSignalSpy changed(&catalog, &DeviceCatalog::changed);
        catalog.refresh(fakeEngine(m_dir, "two-gpus.sh", kTwoGpus));
        QVERIFY(changed.wait(10000));
        QVERIFY2(catalog.isLoaded(), qPrintable(catalog.lastError()));
        QCOMPARE(catalog.devices().devices.size(), size_t(4));
        DevicePicker picker(nullptr, &catalog);
        auto* devices = picker.findChild<QComboBox*>("deviceCombo");
        auto* dtypes = picker.findChild<QComboBox*>("dtypeCombo");
        QCOMPARE(devices->count(), 4);            // cpu, two GPUs, one GPU this build cannot use
        QVERIFY(devices->itemText(1).contains("NVIDIA H200"));
        QVERIFY(devices->itemText(1).contains("compute 9.0"));
        QVERIFY(enabled(devices, 2));
        QVERIFY(!enabled(devices, 3));
        QCOMPARE(devices->itemData(3, Qt::ToolTipRole).toString(), QStringLiteral("CUDA cannot use this device"));
        QCOMPARE(picker.device(), QStringLiteral("cpu"));
        QCOMPARE(dtypes->count(), 3);             // auto, fp32, bf16
        picker.setDevice("cuda:1", "fp16");
        QCOMPARE(picker.device(), QStringLiteral("cuda:1"));
        QCOMPARE(picker.dtype(), QStringLiteral("fp16"));
        QCOMPARE(picker.arguments(), (QStringList{"--device", "cuda:1", "--dtype", "fp16"}));
        QCOMPARE(picker.freeBytes(), 2147483648.0);
        picker.setDevice("cuda:2");               // not usable: stays where it was
        QCOMPARE(picker.device(), QStringLiteral("cuda:1"));
    }

    void cpuOnlyEngineSaysSo() {
        DeviceCatalog catalog;
        QSignalSpy changed(&catalog, &DeviceCatalog::changed);
        catalog.refresh(fakeEngine(m_dir, "cpu-only.sh", kCpuOnly));
        QVERIFY(changed.wait(10000));
        DevicePicker picker(nullptr, &catalog);
        auto* devices = picker.findChild<QComboBox*>("deviceCombo");
        QCOMPARE(devices->count(), 2);
        QVERIFY(devices->itemText(1).contains("not in this build"));
        QVERIFY(!enabled(devices, 1));
    }

    void settingsChooseTheDefault() {
        DeviceCatalog::instance()->setDevices(slim::eval::DeviceList::fromJson(nlohmann::json::parse(kTwoGpus)));
        {
            slim::app::SettingsDialog dialog;
            dialog.devicePicker()->setDevice("cuda:0", "bf16");
            dialog.save();
        }
        DevicePicker fresh;
        QCOMPARE(fresh.device(), QStringLiteral("cuda:0"));
        QCOMPARE(fresh.dtype(), QStringLiteral("bf16"));
        QSettings().remove("devices");
    }

    void estimateShowsWhetherItFits() {
        DeviceCatalog catalog;
        QSignalSpy changed(&catalog, &DeviceCatalog::changed);
        const QString engine = fakeEngine(m_dir, "two-gpus-2.sh", kTwoGpus);
        catalog.refresh(engine);
        QVERIFY(changed.wait(10000));
        MemoryEstimateView view(nullptr, &catalog);
        view.resize(500, 500);
        view.setProgram(engine);
        view.devicePicker()->setDevice("cuda:1", "bf16");   // 2 GiB free
        view.setJob("eval");
        view.findChild<QSpinBox*>("estimateContext")->setValue(65536);
        view.findChild<QSpinBox*>("estimateBatch")->setValue(64);
        QSignalSpy done(&view, &MemoryEstimateView::estimated);
        view.setModelDir(QString::fromStdString((slimtest::dataDir() / "fixtures" / "llama-fp32").string()));
        QVERIFY(done.wait(20000));
        while (done.wait(1500)) {   // the last of the debounced requests
        }
        QVERIFY2(!view.fits(), qPrintable(view.summary()));
        QVERIFY2(view.summary().contains("It would fit with --batch 1"), qPrintable(view.summary()));
        auto* bars = qobject_cast<QCPBars*>(view.plot()->plottable(0));
        QVERIFY(bars);
        QCOMPARE(bars->brush().color(), QColor(213, 94, 0));   // red: does not fit
        QCOMPARE(view.estimate().value("request").toObject().value("device").toString(), QStringLiteral("cuda:1"));
        // The H200 has room.
        view.devicePicker()->setDevice("cuda:0", "bf16");
        QVERIFY(done.wait(20000));
        while (done.wait(1500)) {
        }
        QVERIFY2(view.fits(), qPrintable(view.summary()));
        QCOMPARE(qobject_cast<QCPBars*>(view.plot()->plottable(0))->brush().color(), QColor(0, 114, 178));
    }
};

QTEST_MAIN(TestDevices)
#include "tst_devices.moc"
