// The model commands of the CLI: weights init/inspect/convert (with a torch.save file in the
// released flat layout, written by Debian's python3-torch), `model forward` against the
// independent Python reference (the parity probe), embed and reconstruct on a synthetic granule.
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include <gdal.h>

#include "core/embedding/Similarity.h"
#include "core/raster/RasterSource.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {
using Run = prithvi::test::ProcessRun;
Run run(const QString& program, const QStringList& arguments) { return prithvi::test::runProcess(program, arguments); }

// Reads a float32 safetensors tensor with Python (an independent reader) as a flat list.
QJsonArray pythonTensor(const QString& file, const QString& name) {
  const QString script = QStringLiteral(
      "import json,struct,sys\n"
      "f=open(sys.argv[1],'rb'); n=struct.unpack('<Q',f.read(8))[0]; h=json.loads(f.read(n)); e=h[sys.argv[2]]\n"
      "f.seek(8+n+e['data_offsets'][0]); raw=f.read(e['data_offsets'][1]-e['data_offsets'][0])\n"
      "print(json.dumps(list(struct.unpack('<%df'%(len(raw)//4), raw))))\n");
  const Run result = run(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, file, name});
  return QJsonDocument::fromJson(result.out).array();
}

double relativeDifference(const QJsonArray& a, const QJsonArray& b) {
  double diff = 0, scale = 1e-12;
  for (int i = 0; i < a.size() && i < b.size(); ++i) {
    diff = std::max(diff, std::abs(a[i].toDouble() - b[i].toDouble()));
    scale = std::max(scale, std::abs(b[i].toDouble()));
  }
  return a.size() == b.size() ? diff / scale : 1e9;
}
}  // namespace

class TestModelCli : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  QString path(const char* name) const { return mDir.filePath(QLatin1String(name)); }

 private Q_SLOTS:
  // `prithvi system` says which BLAS the CLI loaded; a BLAS whose pthreads fight LibTorch's
  // OpenMP threads fails here (and makes the command exit 1 with a warning).
  void systemReportsOneThreadPool() {
    const Run system = prithvi::test::runPrithvi({QStringLiteral("system"), QStringLiteral("--json")});
    QCOMPARE(system.code, 0);
    const QJsonObject info = system.json();
    QCOMPARE(info[QStringLiteral("blas_threads")].toString(), QStringLiteral("openmp"));
    QVERIFY(info[QStringLiteral("blas_library")].toString().contains(QStringLiteral("openblas-openmp")));
    QVERIFY(!info[QStringLiteral("contended")].toBool());
    QVERIFY(info[QStringLiteral("threads")].toInt() >= 1);
    QCOMPARE(info[QStringLiteral("threads")].toInt(), info[QStringLiteral("physical_cores")].toInt());
    QVERIFY2(!system.err.contains("warning"), system.err.constData());
    const Run threads = prithvi::test::runPrithvi({QStringLiteral("system"), QStringLiteral("--json"), QStringLiteral("--threads"), QStringLiteral("1")});
    QCOMPARE(threads.json()[QStringLiteral("threads")].toInt(), 1);
    // The bf16 answer follows the processor; int8 runs on every x86 CPU with this LibTorch.
    QVERIFY(info[QStringLiteral("int8")].toBool());
    QCOMPARE(info[QStringLiteral("bf16")].toBool(),
             info[QStringLiteral("avx512_bf16")].toBool() || info[QStringLiteral("amx_bf16")].toBool());
    const Run badPrecision = prithvi::test::runPrithvi({QStringLiteral("infer"), QStringLiteral("--model"), QStringLiteral("m.safetensors"),
                                                        QStringLiteral("--input"), QStringLiteral("x"), QStringLiteral("--out"),
                                                        path("out.tif"), QStringLiteral("--precision"), QStringLiteral("fp8")});
    QCOMPARE(badPrecision.code, 2);
    QVERIFY(badPrecision.err.contains("fp32, bf16 or int8"));
    // With Debian's pthread OpenBLAS forced in front, every command warns and `system` fails.
    const QString pthreadBlas = QStringLiteral("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3");
    if (!QFileInfo::exists(pthreadBlas)) QSKIP("libopenblas0-pthread is not installed: no contended BLAS to try");
    QProcess contended;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("LD_PRELOAD"), pthreadBlas);
    contended.setProcessEnvironment(environment);
    contended.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"),
                    {QStringLiteral("system"), QStringLiteral("--json"), QStringLiteral("--threads"), QStringLiteral("2")});
    QVERIFY(contended.waitForFinished(60000));
    QCOMPARE(contended.exitCode(), 1);
    const QJsonObject fighting = QJsonDocument::fromJson(contended.readAllStandardOutput()).object();
    QCOMPARE(fighting[QStringLiteral("blas_threads")].toString(), QStringLiteral("pthreads"));
    QVERIFY(fighting[QStringLiteral("contended")].toBool());
    const QByteArray warning = contended.readAllStandardError();
    QVERIFY2(warning.contains("prithvi: warning:") && warning.contains("libopenblas0-openmp"), warning.constData());
  }

  // A checkpoint written under a comma-decimal locale reads back (its config JSON held
  // "norm_eps": 9,99e-07 before numbers ignored the locale).
  void checkpointsSurviveAGermanLocale() {
    if (!prithvi::test::runProcess(QStringLiteral("/usr/bin/locale"), {QStringLiteral("-a")}).out.toLower().contains("de_de.utf8"))
      QSKIP("the de_DE.UTF-8 locale is not installed (packaging/bootstrap.sh makes it)");
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("LC_ALL"), QStringLiteral("de_DE.UTF-8"));
    auto german = [&](const QStringList& arguments) {
      QProcess process;
      process.setProcessEnvironment(environment);
      process.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"), arguments);
      process.waitForFinished(120000);
      return Run{process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
    };
    const QString file = path("german.safetensors");
    QCOMPARE(german({QStringLiteral("weights"), QStringLiteral("init"), file, QStringLiteral("--config"), QStringLiteral("tiny_test")}).code, 0);
    const Run inspected = german({QStringLiteral("weights"), QStringLiteral("inspect"), file, QStringLiteral("--json")});
    QVERIFY2(inspected.code == 0, inspected.err.constData());
    // The same file reads the same in the C locale, and its config holds a plain JSON number.
    const Run plain = prithvi::test::runPrithvi({QStringLiteral("weights"), QStringLiteral("inspect"), file, QStringLiteral("--json")});
    QCOMPARE(plain.code, 0);
    QCOMPARE(inspected.json(), plain.json());
    QFile raw(file);
    QVERIFY(raw.open(QIODevice::ReadOnly));
    const QByteArray head = raw.read(64 * 1024);
    QVERIFY(head.contains("1e-06") || head.contains("1e-6"));
    QVERIFY(!head.contains("e-07,") && !head.contains("9,9"));
  }

  void initInspectConvert() {
    QCOMPARE(prithvi::test::runPrithvi({QStringLiteral("weights"), QStringLiteral("init"), path("tiny.safetensors"), QStringLiteral("--config"),
                      QStringLiteral("tiny_test"), QStringLiteral("--seed"), QStringLiteral("3")})
                 .code,
             0);
    const Run inspect = prithvi::test::runPrithvi({QStringLiteral("weights"), QStringLiteral("inspect"), path("tiny.safetensors"), QStringLiteral("--json")});
    QCOMPARE(inspect.code, 0);
    QCOMPARE(inspect.json()[QStringLiteral("config")].toString(), QStringLiteral("tiny_test"));
    QCOMPARE(inspect.json()[QStringLiteral("missing")].toInt(), 0);
    QCOMPARE(inspect.json()[QStringLiteral("loaded")].toInt(), 48);

    // The same tensors as torch.save of a flat EO-1.0-style OrderedDict (no encoder./decoder.).
    const QString script = QStringLiteral(
        "import json,struct,sys,collections,torch\n"
        "f=open(sys.argv[1],'rb'); n=struct.unpack('<Q',f.read(8))[0]; h=json.loads(f.read(n)); base=8+n\n"
        "d=collections.OrderedDict()\n"
        "for k,e in h.items():\n"
        "  if k=='__metadata__': continue\n"
        "  f.seek(base+e['data_offsets'][0]); raw=f.read(e['data_offsets'][1]-e['data_offsets'][0])\n"
        "  t=torch.frombuffer(bytearray(raw),dtype=torch.float32).reshape(e['shape'])\n"
        "  d[k.split('.',1)[1]]=t.clone()\n"
        "torch.save(d, sys.argv[2])\n");
    const Run python = run(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, path("tiny.safetensors"), path("flat.pt")});
    QVERIFY2(python.code == 0, python.err.constData());
    const Run flat = prithvi::test::runPrithvi({QStringLiteral("weights"), QStringLiteral("inspect"), path("flat.pt"), QStringLiteral("--json")});
    QCOMPARE(flat.code, 0);
    QVERIFY(flat.json()[QStringLiteral("layout")].toString().startsWith(QStringLiteral("flat")));
    QCOMPARE(flat.json()[QStringLiteral("config")].toString(), QStringLiteral("tiny_test"));  // inferred from shapes
    QCOMPARE(flat.json()[QStringLiteral("missing")].toInt(), 0);
    QCOMPARE(prithvi::test::runPrithvi({QStringLiteral("weights"), QStringLiteral("convert"), path("flat.pt"), path("converted.safetensors")}).code, 0);
    QCOMPARE(pythonTensor(path("converted.safetensors"), QStringLiteral("encoder.blocks.1.mlp.fc2.weight")),
             pythonTensor(path("tiny.safetensors"), QStringLiteral("encoder.blocks.1.mlp.fc2.weight")));
    // A file that is not a Prithvi checkpoint is refused with a reason.
    QFile text(path("notes.pt"));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("not a checkpoint");
    text.close();
    const Run bad = prithvi::test::runPrithvi({QStringLiteral("weights"), QStringLiteral("inspect"), path("notes.pt")});
    QCOMPARE(bad.code, 3);
    QCOMPARE(bad.err.count('\n'), 1);
  }

  void forwardMatchesThePythonReference() {
    const QString reference = QStringLiteral(PRITHVI_SOURCE_DIR "/tests/training/reference/prithvi_mae_reference.py");
    const Run python = run(QStringLiteral("/usr/bin/python3"),
                           {reference, QStringLiteral("--config"), QStringLiteral("small_test"), QStringLiteral("--seed"),
                            QStringLiteral("5"), QStringLiteral("--out"), path("ref")});
    QVERIFY2(python.code == 0, python.err.constData());
    const Run forward = prithvi::test::runPrithvi({QStringLiteral("model"), QStringLiteral("forward"), QStringLiteral("--weights"),
                                 path("ref/weights.safetensors"), QStringLiteral("--config"), QStringLiteral("small_test"),
                                 QStringLiteral("--input"), path("ref/inputs.safetensors"), QStringLiteral("--out"),
                                 path("out.safetensors"), QStringLiteral("--threads"), QStringLiteral("1")});
    QVERIFY2(forward.code == 0, forward.err.constData());
    for (const char* name : {"latent", "pred", "mask", "loss"}) {
      const double rel = relativeDifference(pythonTensor(path("out.safetensors"), QLatin1String(name)),
                                            pythonTensor(path("ref/expected.safetensors"), QLatin1String(name)));
      QVERIFY2(rel < 1e-5, qPrintable(QStringLiteral("%1: relative difference %2").arg(QLatin1String(name)).arg(rel)));
    }
  }

  void embedAndReconstructAScene() {
    QCOMPARE(prithvi::test::runPrithvi({QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--dates"), QStringLiteral("2"),
                      QStringLiteral("--size"), QStringLiteral("100"), QStringLiteral("--out"), path("hls")})
                 .code,
             0);
    const Run embed = prithvi::test::runPrithvi({QStringLiteral("embed"), QStringLiteral("--weights"), path("tiny.safetensors"),
                               QStringLiteral("--input"), path("hls"), QStringLiteral("--out"), path("embedding.tif")});
    QVERIFY2(embed.code == 0, embed.err.constData());
    GDALAllRegister();
    GDALDatasetH dataset = GDALOpen(path("embedding.tif").toUtf8().constData(), GA_ReadOnly);
    QVERIFY(dataset);
    QCOMPARE(GDALGetRasterCount(dataset), 64);    // tiny_test embed dim
    QCOMPARE(GDALGetRasterXSize(dataset), 13);    // ceil(100 / 8) patches
    double transform[6];
    GDALGetGeoTransform(dataset, transform);
    QCOMPARE(transform[1], 240.0);                // 8 px x 30 m
    QCOMPARE(transform[0], 499980.0);             // the tile's origin
    GDALClose(dataset);
    const Run reconstruct = prithvi::test::runPrithvi({QStringLiteral("reconstruct"), QStringLiteral("--weights"), path("tiny.safetensors"),
                                     QStringLiteral("--input"), path("hls"), QStringLiteral("--out"), path("rec"),
                                     QStringLiteral("--mask-ratio"), QStringLiteral("0.5")});
    QVERIFY2(reconstruct.code == 0, reconstruct.err.constData());
    QCOMPARE(QDir(path("rec")).entryList({QStringLiteral("*.reconstruction.tif")}).size(), 2);
    QVERIFY(QFile::exists(path("rec/mask.tif")));
    // A mask ratio outside [0, 1) is a usage error.
    const Run usage = prithvi::test::runPrithvi({QStringLiteral("reconstruct"), QStringLiteral("--weights"), path("tiny.safetensors"),
                               QStringLiteral("--input"), path("hls"), QStringLiteral("--out"), path("rec2"),
                               QStringLiteral("--mask-ratio"), QStringLiteral("1.5")});
    QCOMPARE(usage.code, 2);
  }

  // Find similar: a few water pixels as examples rank water patches above land patches (AUC on
  // the synthetic truth), whether the embeddings are computed on the spot or read from the file
  // 'prithvi embed' wrote; embeddings of another scene are refused.
  void similarRanksTheExamplesClassFirst() {
    QCOMPARE(prithvi::test::runPrithvi({QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--dates"), QStringLiteral("2"),
                                        QStringLiteral("--size"), QStringLiteral("256"), QStringLiteral("--out"), path("hls256")})
                 .code,
             0);
    const QString truthPath = QDir(path("hls256/truth")).entryInfoList({QStringLiteral("*.water.tif")}).value(0).filePath();
    QVERIFY(!truthPath.isEmpty());
    auto truth = RasterSource::open(truthPath.toStdString());
    const RasterBlock water = truth->read({0, 0, 256, 256}, {1}, DataType::Byte);
    // Cells of 8 px (the tiny model's patch): water, land, or mixed (left out).
    constexpr int kPatch = 8, kCells = 256 / kPatch;
    std::vector<int> labels(kCells * kCells);
    QStringList examples;
    for (int cy = 0; cy < kCells; ++cy)
      for (int cx = 0; cx < kCells; ++cx) {
        int wet = 0;
        for (int y = 0; y < kPatch; ++y)
          for (int x = 0; x < kPatch; ++x) wet += water.band<uint8_t>(0)[(cy * kPatch + y) * 256 + cx * kPatch + x] == 1;
        labels[size_t(cy * kCells + cx)] = wet == kPatch * kPatch ? 1 : wet == 0 ? 0 : -1;
        if (wet == kPatch * kPatch && examples.size() < 3 && (cx + cy) % 3 == 0)
          examples << QStringLiteral("%1,%2").arg(cx * kPatch + 4).arg(cy * kPatch + 4);
      }
    QCOMPARE(int(examples.size()), 3);
    QStringList arguments{QStringLiteral("similar"), QStringLiteral("--weights"), path("tiny.safetensors"),
                          QStringLiteral("--input"), path("hls256"), QStringLiteral("--out"), path("similar.tif")};
    for (const QString& example : examples) arguments << QStringLiteral("--pixel") << example;
    const Run similar = prithvi::test::runPrithvi(arguments);
    QVERIFY2(similar.code == 0, similar.err.constData());
    auto readMap = [](const QString& file) {
      auto source = RasterSource::open(file.toStdString());
      const RasterBlock block = source->read({0, 0, source->info().width, source->info().height}, {1}, DataType::Float32);
      return std::vector<float>(block.band<float>(0), block.band<float>(0) + size_t(source->info().width) * source->info().height);
    };
    const std::vector<float> map = readMap(path("similar.tif"));
    QCOMPARE(int(map.size()), kCells * kCells);
    const double auc = rocAuc(map, labels);
    qInfo("similarity to 3 water examples: AUC %.3f for water vs land patches", auc);
    QVERIFY2(auc > 0.9, qPrintable(QString::number(auc)));

    // The same from the embeddings file: no model run, the same map.
    const Run embed = prithvi::test::runPrithvi({QStringLiteral("embed"), QStringLiteral("--weights"), path("tiny.safetensors"),
                                                 QStringLiteral("--input"), path("hls256"), QStringLiteral("--out"), path("embedding256.tif")});
    QVERIFY2(embed.code == 0, embed.err.constData());
    arguments = {QStringLiteral("similar"), QStringLiteral("--embeddings"), path("embedding256.tif"), QStringLiteral("--input"),
                 path("hls256"), QStringLiteral("--out"), path("similar-cached.tif")};
    for (const QString& example : examples) arguments << QStringLiteral("--pixel") << example;
    const Run cached = prithvi::test::runPrithvi(arguments);
    QVERIFY2(cached.code == 0, cached.err.constData());
    const std::vector<float> again = readMap(path("similar-cached.tif"));
    for (size_t i = 0; i < map.size(); ++i) QVERIFY(std::abs(again[i] - map[i]) < 1e-6 || (std::isnan(again[i]) && std::isnan(map[i])));

    // Another scene's embeddings answer another question.
    QVERIFY(QFile::copy(path("embedding256.tif"), path("other-embedding.tif")));
    GDALDatasetH other = GDALOpen(path("other-embedding.tif").toUtf8().constData(), GA_Update);
    QVERIFY(other);
    GDALSetMetadataItem(other, "PRITHVI_SOURCE", "HLS.S30.T10TEK.2021122T185911.v2.0", nullptr);
    GDALClose(other);
    arguments = {QStringLiteral("similar"), QStringLiteral("--embeddings"), path("other-embedding.tif"), QStringLiteral("--input"),
                 path("hls256"), QStringLiteral("--pixel"), examples.front(), QStringLiteral("--out"), path("wrong.tif")};
    const Run wrong = prithvi::test::runPrithvi(arguments);
    QCOMPARE(wrong.code, 3);
    QVERIFY2(wrong.err.contains("describes scene"), wrong.err.constData());
    QVERIFY(!QFile::exists(path("wrong.tif")));
    // A pixel outside the scene is a usage error.
    const Run outside = prithvi::test::runPrithvi({QStringLiteral("similar"), QStringLiteral("--embeddings"), path("embedding256.tif"),
                                                   QStringLiteral("--input"), path("hls256"), QStringLiteral("--pixel"),
                                                   QStringLiteral("300,5"), QStringLiteral("--out"), path("outside.tif")});
    QCOMPARE(outside.code, 2);
  }
};

QTEST_GUILESS_MAIN(TestModelCli)
#include "test_model_cli.moc"
