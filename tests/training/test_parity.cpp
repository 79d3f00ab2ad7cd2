// Parity of the LibTorch Prithvi MAE with an independent Python reference written from the spec
// (tests/training/reference/prithvi_mae_reference.py, run with Debian's python3-torch): same
// weights (loaded by name from safetensors), same pixels and masking noise -> the same latent,
// prediction, mask and loss, the same gradients, and the same weights after one SGD step, to
// 1e-5 relative (max |diff| / max |reference|).
#include <torch/torch.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "training/model/PrithviConfig.h"
#include "training/model/Checkpoint.h"
#include "training/model/PrithviMae.h"
#include "training/model/StateDict.h"

using namespace prithvi::model;

namespace {

constexpr double kTolerance = 1e-5;

struct Reference {
  StateDict weights, inputs, expected, step;
};

const torch::Tensor& need(const StateDict& sd, const std::string& name) {
  for (const auto& [k, t] : sd.tensors)
    if (k == name) return t;
  throw std::runtime_error("reference output lacks '" + name + "'");
}

bool has(const StateDict& sd, const std::string& name) {
  for (const auto& [k, t] : sd.tensors)
    if (k == name) return true;
  return false;
}

double relDiff(const torch::Tensor& got, const torch::Tensor& want) {
  const auto g = got.detach().to(torch::kFloat64), w = want.detach().to(torch::kFloat64);
  const double scale = w.abs().max().item<double>();
  const double diff = (g - w).abs().max().item<double>();
  return scale > 0 ? diff / scale : diff;
}

}  // namespace

class TestParity : public QObject {
  Q_OBJECT

  // Runs the reference into `dir`; fails the current test on any problem.
  void runReference(const QString& dir, const PrithviConfig& cfg, const QStringList& extra, Reference* ref) {
    const QString configPath = dir + "/model.json";
    QFile f(configPath);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray::fromStdString(cfg.toJson()));
    f.close();
    const QString script = QStringLiteral(PRITHVI_TRAINING_TESTS_DIR) + "/reference/prithvi_mae_reference.py";
    QStringList args{script, "--config-json", configPath, "--out", dir + "/ref"};
    args << extra;
    QProcess proc;
    proc.setProcessChannelMode(QProcess::SeparateChannels);
    proc.start(QStringLiteral(PRITHVI_PYTHON), args);
    QVERIFY2(proc.waitForStarted(10000), "cannot start " PRITHVI_PYTHON);
    QVERIFY2(proc.waitForFinished(120000), "the reference did not finish in 120 s");
    const QByteArray err = proc.readAllStandardError();
    QVERIFY2(proc.exitStatus() == QProcess::NormalExit && proc.exitCode() == 0, err.constData());
    qInfo("reference: %s", proc.readAllStandardOutput().trimmed().constData());
    const std::string out = (dir + "/ref/").toStdString();
    ref->weights = readSafetensors(out + "weights.safetensors");
    ref->inputs = readSafetensors(out + "inputs.safetensors");
    ref->expected = readSafetensors(out + "expected.safetensors");
    ref->step = readSafetensors(out + "step.safetensors");
  }

  void compare(const char* what, const torch::Tensor& got, const torch::Tensor& want, double* worst = nullptr) {
    QVERIFY2(got.sizes().equals(want.sizes()),
             (std::string(what) + ": shape differs").c_str());
    const double d = relDiff(got, want);
    if (worst) *worst = std::max(*worst, d);
    QVERIFY2(d <= kTolerance, (std::string(what) + ": relative difference " + std::to_string(d)).c_str());
  }

 private Q_SLOTS:
  void initTestCase() { at::set_num_threads(2); }

  void forwardAndOneSgdStep_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("normPix");
    QTest::addColumn<double>("maskRatio");
    QTest::addColumn<int>("tubelet");
    QTest::newRow("tiny_test") << "tiny_test" << QStringList{"--seed", "1", "--lr", "0.1"} << false << 0.75 << 1;
    QTest::newRow("tiny_test_tl, coords, norm_pix_loss")
        << "tiny_test_tl" << QStringList{"--seed", "2", "--lr", "0.05", "--coords"} << true << 0.75 << 1;
    QTest::newRow("small_test, mask 0.6, batch 3")
        << "small_test" << QStringList{"--seed", "3", "--lr", "0.1", "--batch", "3"} << false << 0.6 << 1;
    // Tubelet 2 and a 32 x 48 input: the pos-embed is regenerated for the (2, 4, 6) grid.
    QTest::newRow("tiny_test, tubelet 2, 4 frames of 32x48")
        << "tiny_test" << QStringList{"--seed", "4", "--lr", "0.1", "--frames", "4", "--height", "32", "--width", "48"}
        << false << 0.75 << 2;
  }

  void forwardAndOneSgdStep() {
    QFETCH(QString, model);
    QFETCH(QStringList, args);
    QFETCH(bool, normPix);
    QFETCH(double, maskRatio);
    QFETCH(int, tubelet);
    QElapsedTimer timer;
    timer.start();

    auto cfg = PrithviConfig::byName(model.toStdString());
    cfg.normPixLoss = normPix;
    cfg.maskRatio = maskRatio;
    if (tubelet != 1) {
      cfg.tubeletSize = tubelet;
      cfg.numFrames = 2 * tubelet;
    }
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Reference ref;
    runReference(dir.path(), cfg, args, &ref);
    if (QTest::currentTestFailed()) return;
    const qint64 pythonMs = timer.elapsed();

    // Load by name; the pos-embed tables are recomputed, and must equal the reference's
    // token-by-token closed form.
    PrithviMae mae(cfg);
    CheckpointLoadOptions strict;
    strict.strict = true;
    const auto report = loadIntoModule(*mae, ref.weights, strict);
    QCOMPARE(int(report.ignored.size()), 2);
    QCOMPARE(int(report.loaded.size() + report.ignored.size()), int(ref.weights.size()));
    QVERIFY((mae->encoder->pos_embed - need(ref.weights, "encoder.pos_embed")).abs().max().item<float>() < 1e-6f);
    QVERIFY((mae->decoder->decoder_pos_embed - need(ref.weights, "decoder.decoder_pos_embed")).abs().max().item<float>() <
            1e-6f);

    Coords coords;
    if (has(ref.inputs, "temporal_coords")) coords.temporal = need(ref.inputs, "temporal_coords");
    if (has(ref.inputs, "location_coords")) coords.location = need(ref.inputs, "location_coords");
    const auto& pixels = need(ref.inputs, "pixels");
    const auto& noise = need(ref.inputs, "noise");
    mae->train();
    const auto out = mae->forward(pixels, coords, std::nullopt, noise);

    double worstForward = 0;
    compare("latent", out.latent, need(ref.expected, "latent"), &worstForward);
    compare("pred", out.pred, need(ref.expected, "pred"), &worstForward);
    compare("loss", out.loss.reshape({1}), need(ref.expected, "loss"), &worstForward);
    QVERIFY(torch::equal(out.mask, need(ref.expected, "mask")));
    QVERIFY(torch::equal(out.idsRestore, need(ref.expected, "ids_restore")));
    if (QTest::currentTestFailed()) return;

    // One SGD step.
    QVERIFY(ref.step.metadata.count("lr"));
    const double lr = std::stod(ref.step.metadata.at("lr"));
    QVERIFY(lr > 0);
    torch::optim::SGD sgd(mae->parameters(), torch::optim::SGDOptions(lr));
    sgd.zero_grad();
    out.loss.backward();
    double worstGrad = 0, worstUpdate = 0;
    int compared = 0;
    const auto params = mae->named_parameters(true);
    for (const auto& item : params) {
      const auto& g = item.value().grad();
      QVERIFY2(g.defined(), ("no gradient for " + item.key()).c_str());
      compare(("grad of " + item.key()).c_str(), g, need(ref.step, "grad." + item.key()), &worstGrad);
      ++compared;
    }
    sgd.step();
    for (const auto& item : params)
      compare(("updated " + item.key()).c_str(), item.value(), need(ref.step, "updated." + item.key()), &worstUpdate);
    QCOMPARE(compared * 2, int(ref.step.size()));  // every reference parameter was compared
    qInfo("%s: %d parameters; worst relative difference forward %.2e, gradients %.2e, after SGD %.2e; "
          "python %lld ms, total %lld ms",
          cfg.name.c_str(), compared, worstForward, worstGrad, worstUpdate, static_cast<long long>(pythonMs),
          static_cast<long long>(timer.elapsed()));
  }
};

QTEST_GUILESS_MAIN(TestParity)
#include "test_parity.moc"
