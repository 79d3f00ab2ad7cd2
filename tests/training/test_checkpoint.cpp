// Checkpoint I/O: torch.save archives through the restricted unpickler, safetensors read and
// write, atomic writes, key layouts, loading into a module, band subsetting, pos-embed resizing.
// Fixtures are generated at test time by tests/training/fixtures/checkpoint_fixtures.py run with
// Debian's python3-torch; nothing binary is committed.

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include "core/base/Error.h"
#include "training/model/Checkpoint.h"
#include "training/model/StateDict.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;
using namespace prithvi::model;

namespace {

QString fixtureScript() {
  return QStringLiteral(PRITHVI_TRAINING_TESTS_DIR) + "/fixtures/checkpoint_fixtures.py";
}

// Runs `f`; returns the message of the prithvi::Error of kind `kind` it throws, or a line
// starting with "UNEXPECTED" that makes the caller's check fail.
QString errorOf(const std::function<void()>& f, ErrorKind kind = ErrorKind::BadInput) {
  try {
    f();
  } catch (const Error& e) {
    if (e.kind() != kind) {
      return QStringLiteral("UNEXPECTED error kind %1: %2").arg(int(e.kind())).arg(e.what());
    }
    return QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    return QStringLiteral("UNEXPECTED exception: %1").arg(e.what());
  }
  return QStringLiteral("UNEXPECTED: no error");
}

QByteArray tensorBytes(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return QByteArray(static_cast<const char*>(c.data_ptr()), static_cast<int>(c.numel() * c.element_size()));
}

QString sha256(const torch::Tensor& t) {
  return QString::fromLatin1(QCryptographicHash::hash(tensorBytes(t), QCryptographicHash::Sha256).toHex());
}

QString dtypeName(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat64: return "float64";
    case torch::kFloat32: return "float32";
    case torch::kFloat16: return "float16";
    case torch::kBFloat16: return "bfloat16";
    case torch::kInt64: return "int64";
    case torch::kInt32: return "int32";
    case torch::kInt16: return "int16";
    case torch::kInt8: return "int8";
    case torch::kUInt8: return "uint8";
    case torch::kBool: return "bool";
    default: return "other";
  }
}

QString safetensorsDtype(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat64: return "F64";
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kInt64: return "I64";
    case torch::kInt32: return "I32";
    case torch::kInt16: return "I16";
    case torch::kInt8: return "I8";
    case torch::kUInt8: return "U8";
    case torch::kBool: return "BOOL";
    default: return "?";
  }
}

QJsonArray shapeJson(const torch::Tensor& t) {
  QJsonArray a;
  for (int64_t d : t.sizes()) a.append(qint64(d));
  return a;
}

bool bitEqual(const torch::Tensor& a, const torch::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() && tensorBytes(a) == tensorBytes(b);
}

// A safetensors file from raw parts; `length` overrides the header length field.
void writeRawSafetensors(const QString& path, const QByteArray& header, const QByteArray& data,
                         qint64 length = -1) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  const quint64 n = length < 0 ? quint64(header.size()) : quint64(length);
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = char((n >> (8 * i)) & 0xFF);
  f.write(bytes, 8);
  f.write(header);
  f.write(data);
}

QStringList filesIn(const QString& dir) {
  return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot | QDir::System);
}

StateDict sampleStateDict(int64_t scale = 1) {
  torch::manual_seed(5);
  StateDict s;
  s.set("f64", torch::randn({3, 2}, torch::kFloat64));
  s.set("f32", torch::randn({2, 3, 4 * scale}));
  s.set("f16", torch::randn({5}).to(torch::kFloat16));
  s.set("bf16", torch::randn({2, 2}).to(torch::kBFloat16));
  s.set("i64", torch::tensor({-(int64_t(1) << 50), int64_t(7), int64_t(1) << 50}));
  s.set("i32", torch::tensor({-5, 2147483647}, torch::kInt32));
  s.set("i16", torch::tensor({-32768, 32767, 0}, torch::kInt16));
  s.set("i8", torch::tensor({-128, 127}, torch::kInt8));
  s.set("u8", torch::tensor({0, 1, 255}, torch::kUInt8));
  s.set("bool", torch::tensor({true, false, true}));
  s.set("scalar", torch::tensor(2.5));
  s.set("empty", torch::zeros({0, 3}));
  s.set("transposed", torch::arange(6, torch::kFloat32).reshape({2, 3}).t());  // non-contiguous
  s.metadata["format"] = "pt";
  s.metadata["unicode"] = "\xc3\xa9\xe4\xb8\xad";  // é中
  s.metadata["quote"] = "a\"b\\c\nd\te\x01";
  s.metadata["empty"] = "";
  return s;
}

}  // namespace

class TestCheckpoint : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  bool mHavePython = false;

  QString tmp(const QString& name) const { return mDir.filePath(name); }

  // Runs the fixture script; returns its stdout, fails the test on a non-zero exit.
  QByteArray fixture(const QStringList& args, bool* ok) {
    *ok = false;
    QProcess p;
    p.setProgram(QStringLiteral(PRITHVI_PYTHON));
    p.setArguments(QStringList{fixtureScript()} + args);
    p.start();
    if (!p.waitForFinished(600000)) {
      qWarning() << "fixture timed out" << args;
      return {};
    }
    const QByteArray out = p.readAllStandardOutput();
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
      qWarning().noquote() << "fixture failed" << args.join(' ') << "\n"
                           << QString::fromUtf8(p.readAllStandardError());
      return {};
    }
    *ok = true;
    return out;
  }

  static QJsonDocument readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll());
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    QProcess p;
    p.start(QStringLiteral(PRITHVI_PYTHON), {"-c", "import torch"});
    mHavePython = p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!mHavePython) qWarning() << "no python3-torch at" << PRITHVI_PYTHON << ": Python fixtures skipped";
  }

  // ---- torch.save archives ----------------------------------------------------------------

  void prithvi100mRealShapes() {
    if (!mHavePython) QSKIP("python3-torch not available");
    const QString pt = tmp("Prithvi_100M.pt"), sums = tmp("Prithvi_100M.json");
    QElapsedTimer timer;
    timer.start();
    bool ok = false;
    fixture({"prithvi100m", pt, sums}, &ok);
    QVERIFY(ok);
    qInfo() << "python torch.save of the 254-tensor, 453.6 MB state dict:" << timer.elapsed() << "ms";
    const QJsonArray expected = readJson(sums).array();
    QCOMPARE(expected.size(), 254);

    timer.restart();
    StateDict sd = readTorchCheckpoint(pt.toStdString());
    qInfo() << "readTorchCheckpoint:" << timer.elapsed() << "ms";
    QCOMPARE(int(sd.size()), 254);
    QVERIFY(sd.metadata.empty());
    int64_t total = 0;
    for (int i = 0; i < expected.size(); ++i) {
      const QJsonObject e = expected[i].toObject();
      const auto& [name, t] = sd.tensors[i];
      QCOMPARE(QString::fromStdString(name), e["name"].toString());
      QCOMPARE(shapeJson(t), e["shape"].toArray());
      QCOMPARE(dtypeName(t.scalar_type()), e["dtype"].toString());
      QVERIFY(t.is_contiguous());
      // Values are multiples of 1/1024: the float64 sums are exact in any order.
      QCOMPARE(t.to(torch::kFloat64).sum().item<double>(), e["sum"].toDouble());
      const torch::Tensor flat = t.reshape({-1});
      for (const auto sample : e["samples"].toArray()) {
        const QJsonArray s = sample.toArray();
        QCOMPARE(flat[s[0].toInteger()].item<double>(), s[1].toDouble());
      }
      total += t.numel();
    }
    QCOMPARE(total, int64_t(113393408));  // spec 1.1 / 2.2

    timer.restart();
    std::vector<std::string> notes;
    const StateDict canonical = canonicalPrithviKeys(sd, &notes);
    QCOMPARE(int(canonical.size()), 254);
    int enc = 0, dec = 0;
    for (const auto& [name, t] : canonical.tensors) {
      enc += QString::fromStdString(name).startsWith("encoder.");
      dec += QString::fromStdString(name).startsWith("decoder.");
    }
    QCOMPARE(enc, 150);
    QCOMPARE(dec, 104);
    QVERIFY(canonical.find("encoder.blocks.11.mlp.fc2.weight"));
    QVERIFY(canonical.find("decoder.mask_token"));
    QVERIFY(canonical.find("decoder.decoder_pos_embed"));
    QVERIFY(canonical.find("decoder.decoder_blocks.7.attn.qkv.weight"));
    QVERIFY(canonical.find("encoder.pos_embed"));
    QVERIFY(canonical.find("decoder.decoder_pos_embed")->data_ptr() ==
            sd.find("decoder_pos_embed")->data_ptr());  // no copies
    QCOMPARE(int(notes.size()), 1);
    QVERIFY(QString::fromStdString(notes[0]).contains("150 keys mapped to encoder., 104 to decoder."));

    // Sniffing picks the torch reader.
    sd = {};
    QCOMPARE(int(readCheckpoint(pt.toStdString()).size()), 254);
    qInfo() << "canonical keys + readCheckpoint:" << timer.elapsed() << "ms";
    QFile::remove(pt);
  }

  void layoutVariants() {
    if (!mHavePython) QSKIP("python3-torch not available");
    const QString dir = tmp("variants");
    QVERIFY(QDir().mkpath(dir));
    bool ok = false;
    fixture({"variants", dir}, &ok);
    QVERIFY(ok);
    const QJsonObject info = readJson(dir + "/variants.json").object();

    // EO-1.0 renamed weights: encoder./decoder. kept as they are.
    {
      const StateDict raw = readTorchCheckpoint((dir + "/mae.pt").toStdString());
      const QJsonArray keys = info["mae.pt"].toArray();
      QCOMPARE(int(raw.size()), keys.size());
      const StateDict canonical = canonicalPrithviKeys(raw);
      for (int i = 0; i < keys.size(); ++i) {
        QCOMPARE(QString::fromStdString(canonical.tensors[i].first), keys[i].toString());
      }
      QCOMPARE(canonical.find("encoder.temporal_embed_enc.scale")->item<float>(), 0.1f);
    }
    // {'model': flat, 'optimizer': ..., 'epoch': 3, 'meta': {...}}.
    {
      const StateDict raw = readTorchCheckpoint((dir + "/nested.pt").toStdString());
      QVERIFY(raw.find("model.cls_token"));
      QVERIFY(raw.find("optimizer.state.0.exp_avg"));  // int keys become names
      std::vector<std::string> notes;
      const StateDict canonical = canonicalPrithviKeys(raw, &notes);
      const QJsonArray keys = info["nested.pt"].toArray();
      QCOMPARE(int(canonical.size()), keys.size());
      for (int i = 0; i < keys.size(); ++i) {
        const QString flat = keys[i].toString();
        const bool dec = flat.contains("decoder") || flat.contains("_dec") || flat == "mask_token";
        QCOMPARE(QString::fromStdString(canonical.tensors[i].first), (dec ? "decoder." : "encoder.") + flat);
        QCOMPARE(canonical.tensors[i].second[0].item<float>(), float(i));
      }
      QVERIFY(!notes.empty());
      QVERIFY2(QString::fromStdString(notes[0]).contains("descended into 'model'") &&
                   QString::fromStdString(notes[0]).contains("optimizer.state"),
               notes[0].c_str());
    }
    // mmseg: {'meta': ..., 'state_dict': {'backbone.x', 'neck.', 'decode_head.'}, 'optimizer': ...}.
    {
      const StateDict raw = readTorchCheckpoint((dir + "/mmseg.pt").toStdString());
      const StateDict canonical = canonicalPrithviKeys(raw);
      const QJsonArray keys = info["mmseg.pt"].toArray();
      QCOMPARE(int(canonical.size()), keys.size());
      for (int i = 0; i < keys.size(); ++i) {
        QString key = keys[i].toString();
        if (key.startsWith("backbone.")) key = "encoder." + key.mid(9);
        QCOMPARE(QString::fromStdString(canonical.tensors[i].first), key);
      }
      QVERIFY(canonical.find("encoder.blocks.0.attn.qkv.weight"));
      QVERIFY(canonical.find("decode_head.conv_seg.weight"));
    }
    // Every dtype, shared storages, views, a Parameter, 0-d and empty tensors.
    {
      const StateDict raw = readTorchCheckpoint((dir + "/dtypes.pt").toStdString());
      const QJsonObject expected = info["dtypes.pt"].toObject();
      QCOMPARE(int(raw.size()), expected.size());
      for (const auto& [name, t] : raw.tensors) {
        const QJsonObject e = expected[QString::fromStdString(name)].toObject();
        QVERIFY2(!e.isEmpty(), name.c_str());
        QCOMPARE(shapeJson(t), e["shape"].toArray());
        QCOMPARE(dtypeName(t.scalar_type()), e["dtype"].toString());
        const torch::Tensor values = t.to(torch::kFloat64).reshape({-1});
        const QJsonArray v = e["values"].toArray();
        QCOMPARE(values.numel(), int64_t(v.size()));
        for (int i = 0; i < v.size(); ++i) QCOMPARE(values[i].item<double>(), v[i].toDouble());
      }
      // Views come out as independent contiguous tensors.
      QVERIFY(raw.find("f32_transposed")->is_contiguous());
      QVERIFY(raw.find("f32_view_row")->data_ptr() != raw.find("f32")->data_ptr());
    }
  }

  void maliciousCheckpoints() {
    if (!mHavePython) QSKIP("python3-torch not available");
    const QString dir = tmp("malicious");
    QVERIFY(QDir().mkpath(dir));
    const QString canary = tmp("CANARY"), proof = tmp("PROOF");
    bool ok = false;
    fixture({"malicious", dir, canary, proof}, &ok);
    QVERIFY(ok);
    QVERIFY2(QFile::exists(proof), "the payload does not fire under Python's torch.load");
    QVERIFY(!QFile::exists(canary));
    const QJsonObject expect = readJson(dir + "/malicious.json").object();
    QVERIFY(expect.size() >= 30);
    for (auto it = expect.begin(); it != expect.end(); ++it) {
      const std::string path = (dir + "/" + it.key()).toStdString();
      QElapsedTimer timer;
      timer.start();
      const QString message = errorOf([&] { readTorchCheckpoint(path); });
      QVERIFY2(message.contains(it.value().toString()),
               qPrintable(it.key() + ": expected '" + it.value().toString() + "', got: " + message));
      QVERIFY2(timer.elapsed() < 2000, qPrintable(it.key()));
      const QString sniffed = errorOf([&] { readCheckpoint(path); });
      QVERIFY2(sniffed.contains(it.value().toString()) || sniffed.contains("neither a safetensors"),
               qPrintable(it.key() + ": " + sniffed));
      qInfo().noquote() << it.key() << "->" << message;
    }
    QVERIFY2(!QFile::exists(canary), "a payload ran");
    // The well-formed control file loads.
    const StateDict good = readTorchCheckpoint((dir + "/good.pt").toStdString());
    QCOMPARE(good.find("a")->sum().item<double>(), 499500.0);
  }

  void pickleLimits() {
    if (!mHavePython) QSKIP("python3-torch not available");
    const QString dir = tmp("variants");
    if (!QFile::exists(dir + "/dtypes.pt")) QSKIP("layoutVariants did not run");
    const std::string path = (dir + "/dtypes.pt").toStdString();
    ReadLimits limits;
    limits.maxPickleObjects = 20;
    QVERIFY(errorOf([&] { readTorchCheckpoint(path, limits); }).contains("objects (the limit)"));
    limits = {};
    limits.maxPickleStack = 3;
    QVERIFY(errorOf([&] { readTorchCheckpoint(path, limits); }).contains("the limit"));
    limits = {};
    limits.maxPickleBytes = 100;
    QVERIFY(errorOf([&] { readTorchCheckpoint(path, limits); }).contains("data.pkl holds"));
    limits = {};
    limits.maxTotalBytes = 64;
    QVERIFY(errorOf([&] { readTorchCheckpoint(path, limits); }).contains("(the limit)"));
    limits = {};
    limits.maxTensors = 3;
    QVERIFY(errorOf([&] { readTorchCheckpoint(path, limits); }).contains("limit"));
  }

  // The zip container's own limits (the archive's records, its central directory), each checked
  // before anything is allocated for the records.
  void zipContainerLimits() {
    if (!mHavePython) QSKIP("python3-torch not available");
    const QString dir = tmp("malicious");
    if (!QFile::exists(dir + "/many_records.pt")) QSKIP("maliciousCheckpoints did not run");
    // 101 records: within the default limit, refused at maxTensors + 64 = 67.
    const std::string many = (dir + "/many_records.pt").toStdString();
    QCOMPARE(int(readTorchCheckpoint(many).size()), 1);
    ReadLimits limits;
    limits.maxTensors = 3;
    QString message = errorOf([&] { readTorchCheckpoint(many, limits); });
    QVERIFY2(message.contains("lists 101 records, more than the limit of 67"), qPrintable(message));
    // 40,000 records: a 4 MB central directory, refused while libzip reads it once the limit is
    // 1 MB (the least it can be), long before its records are counted.
    const std::string bomb = (dir + "/directory_bomb.pt").toStdString();
    QCOMPARE(int(readTorchCheckpoint(bomb).size()), 1);
    limits = {};
    limits.maxHeaderBytes = 1;
    QElapsedTimer timer;
    timer.start();
    message = errorOf([&] { readTorchCheckpoint(bomb, limits); });
    QVERIFY2(message.contains("the zip central directory is larger than the limit (1048576 bytes)"), qPrintable(message));
    QVERIFY(message.startsWith(QString::fromStdString(bomb)));
    QVERIFY(timer.elapsed() < 2000);
  }

  // ---- safetensors ----------------------------------------------------------------------

  void safetensorsRoundTrip() {
    const StateDict s = sampleStateDict();
    const QString path = tmp("roundtrip.safetensors");
    writeSafetensors(path.toStdString(), s);
    const StateDict back = readSafetensors(path.toStdString());
    QCOMPARE(back.size(), s.size());
    QVERIFY(back.metadata == s.metadata);
    for (size_t i = 0; i < s.size(); ++i) {
      QCOMPARE(back.tensors[i].first, s.tensors[i].first);  // order kept
      QVERIFY2(bitEqual(back.tensors[i].second, s.tensors[i].second), s.tensors[i].first.c_str());
    }
    // Data starts 8-byte aligned, as the reference writer does.
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray head = f.read(8);
    quint64 n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | quint8(head[i]);
    QCOMPARE(n % 8, quint64(0));
    QCOMPARE(int(readCheckpoint(path.toStdString()).size()), int(s.size()));
    QVERIFY(filesIn(mDir.path()).filter(".tmp-").isEmpty());

    if (!mHavePython) QSKIP("python3-torch not available for the cross-check");
    bool ok = false;
    const QByteArray out = fixture({"st_read", path}, &ok);
    QVERIFY(ok);
    const QJsonObject parsed = QJsonDocument::fromJson(out).object();
    const QJsonObject meta = parsed["metadata"].toObject();
    QCOMPARE(meta.size(), int(s.metadata.size()));
    for (const auto& [k, v] : s.metadata) QCOMPARE(meta[QString::fromStdString(k)].toString(), QString::fromStdString(v));
    const QJsonObject tensors = parsed["tensors"].toObject();
    QCOMPARE(tensors.size(), int(s.size()));
    for (const auto& [name, t] : s.tensors) {
      const QJsonObject e = tensors[QString::fromStdString(name)].toObject();
      QCOMPARE(e["dtype"].toString(), safetensorsDtype(t.scalar_type()));
      QCOMPARE(e["shape"].toArray(), shapeJson(t));
      QCOMPARE(e["sha256"].toString(), sha256(t));
    }
  }

  void safetensorsFromPython() {
    if (!mHavePython) QSKIP("python3-torch not available");
    const QString path = tmp("python.safetensors"), desc = tmp("python.json");
    bool ok = false;
    fixture({"st_write", path, desc}, &ok);
    QVERIFY(ok);
    const QJsonObject expected = readJson(desc).object();
    const StateDict s = readSafetensors(path.toStdString());
    const QJsonObject meta = expected["metadata"].toObject();
    QCOMPARE(int(s.metadata.size()), meta.size());
    for (auto it = meta.begin(); it != meta.end(); ++it) {
      QCOMPARE(QString::fromStdString(s.metadata.at(it.key().toStdString())), it.value().toString());
    }
    const QJsonObject tensors = expected["tensors"].toObject();
    QCOMPARE(int(s.size()), tensors.size());
    int64_t previousBegin = -1;
    for (const auto& [name, t] : s.tensors) {
      const QJsonObject e = tensors[QString::fromStdString(name)].toObject();
      QVERIFY2(!e.isEmpty(), name.c_str());
      QCOMPARE(safetensorsDtype(t.scalar_type()), e["dtype"].toString());
      QCOMPARE(shapeJson(t), e["shape"].toArray());
      QCOMPARE(sha256(t), e["sha256"].toString());
      QCOMPARE(t.to(torch::kFloat64).sum().item<double>(), e["sum"].toDouble());
      const int64_t begin = e["data_offsets"].toArray()[0].toInteger();
      QVERIFY(begin >= previousBegin);  // file order
      previousBegin = begin;
    }
  }

  void safetensorsMalformed_data() {
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<qint64>("maxHeader");
    QTest::addColumn<QString>("expected");
    const QByteArray four(4, '\0');
    const QByteArray ok = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    QTest::newRow("header length > file size") << ok << four << qint64(1000) << qint64(-1) << "the file holds only";
    QTest::newRow("header length > limit") << ok << four << qint64(-1) << qint64(16) << "more than the limit";
    QTest::newRow("200 MB header claim") << ok << four << qint64(200LL << 20) << qint64(-1) << "more than the limit";
    QTest::newRow("length 2^64-1") << ok << four << qint64(-2) << qint64(-1) << "more than the limit";
    QTest::newRow("invalid JSON: unclosed") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})") << four << qint64(-1) << qint64(-1) << "invalid safetensors header";
    QTest::newRow("invalid JSON: trailing comma") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},})") << four << qint64(-1) << qint64(-1) << "invalid safetensors header";
    QTest::newRow("invalid JSON: single quotes") << QByteArray(R"({'a':1})") << four << qint64(-1) << qint64(-1) << "invalid safetensors header";
    QTest::newRow("invalid JSON: garbage after") << ok + "x" << four << qint64(-1) << qint64(-1) << "unexpected text after";
    QTest::newRow("invalid JSON: control char") << QByteArray("{\"a\x01\":{}}") << four << qint64(-1) << qint64(-1) << "control character";
    QTest::newRow("invalid JSON: bad escape") << QByteArray(R"({"a\q":{}})") << four << qint64(-1) << qint64(-1) << "forbidden character after backslash at byte 4";
    QTest::newRow("invalid JSON: lone surrogate") << QByteArray(R"({"a\ud800":{}})") << four << qint64(-1) << qint64(-1) << "surrogate";
    QTest::newRow("invalid JSON: deep") << QByteArray(200, '[') << four << qint64(-1) << qint64(-1) << "invalid safetensors header";
    QTest::newRow("invalid UTF-8") << QByteArray("{\"a\xff\":{}}") << four << qint64(-1) << qint64(-1) << "ill-formed UTF-8 byte at byte 3";
    QTest::newRow("not an object") << QByteArray(R"([1,2])") << four << qint64(-1) << qint64(-1) << "does not start with '{'";
    QTest::newRow("duplicate key") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "duplicate key";
    QTest::newRow("duplicate field") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"dtype":"I32","data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "duplicate key 'dtype'";
    QTest::newRow("duplicate metadata key") << QByteArray(R"({"__metadata__":{"k":"1","k":"2"}})") << QByteArray() << qint64(-1) << qint64(-1) << "duplicate key 'k'";
    QTest::newRow("NUL byte") << QByteArray("{\"a\":{}}\0 ", 11) << QByteArray() << qint64(-1) << qint64(-1) << "NUL byte at byte 8";
    QTest::newRow("number overflow") << QByteArray(R"({"a":{"dtype":"F32","shape":[1e999],"data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "number overflow";
    QTest::newRow("unknown dtype") << QByteArray(R"({"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "unsupported dtype 'F8_E4M3'";
    QTest::newRow("dtype not a string") << QByteArray(R"({"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "dtype is not a string";
    QTest::newRow("shape x dtype != range") << QByteArray(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "does not match its byte range";
    QTest::newRow("shape overflow") << QByteArray(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "does not match its byte range";
    QTest::newRow("negative dim") << QByteArray(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "non-negative integer";
    QTest::newRow("fractional dim") << QByteArray(R"({"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "non-negative integer";
    QTest::newRow("huge integer") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999999]}})") << four << qint64(-1) << qint64(-1) << "non-negative integer";
    QTest::newRow("offsets out of range") << QByteArray(R"({"a":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}})") << four << qint64(-1) << qint64(-1) << "run past the data section";
    QTest::newRow("offsets reversed") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})") << four << qint64(-1) << qint64(-1) << "end before they begin";
    QTest::newRow("three offsets") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})") << four << qint64(-1) << qint64(-1) << "two numbers";
    QTest::newRow("overlapping") << QByteArray(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})") << QByteArray(12, '\0') << qint64(-1) << qint64(-1) << "overlap";
    QTest::newRow("same range twice") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})") << four << qint64(-1) << qint64(-1) << "overlap";
    QTest::newRow("gap") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})") << QByteArray(12, '\0') << qint64(-1) << qint64(-1) << "belong to no tensor";
    QTest::newRow("trailing bytes") << ok << QByteArray(12, '\0') << qint64(-1) << qint64(-1) << "belong to no tensor";
    QTest::newRow("truncated data") << QByteArray(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})") << four << qint64(-1) << qint64(-1) << "run past the data section";
    QTest::newRow("unknown field") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})") << four << qint64(-1) << qint64(-1) << "unknown field";
    QTest::newRow("missing field") << QByteArray(R"({"a":{"dtype":"F32","shape":[1]}})") << four << qint64(-1) << qint64(-1) << "lacks dtype, shape or data_offsets";
    QTest::newRow("metadata not strings") << QByteArray(R"({"__metadata__":{"k":1}})") << QByteArray() << qint64(-1) << qint64(-1) << "is not a string";
    QTest::newRow("bool value 2") << QByteArray(R"({"a":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}})") << QByteArray("\x00\x01\x02\x01", 4) << qint64(-1) << qint64(-1) << "other than 0 or 1";
    QTest::newRow("too short") << QByteArray() << QByteArray() << qint64(-3) << qint64(-1) << "too short";
    QTest::newRow("empty header") << QByteArray() << QByteArray() << qint64(-1) << qint64(-1) << "header is empty";
  }

  void safetensorsMalformed() {
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, data);
    QFETCH(qint64, length);
    QFETCH(qint64, maxHeader);
    QFETCH(QString, expected);
    const QString path = tmp("malformed.safetensors");
    if (length == -3) {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
      f.write("abc");
    } else if (length == -2) {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
      f.write(QByteArray(8, '\xff') + header + data);
    } else {
      writeRawSafetensors(path, header, data, length);
    }
    ReadLimits limits;
    if (maxHeader > 0) limits.maxHeaderBytes = maxHeader;
    QElapsedTimer timer;
    timer.start();
    const QString message = errorOf([&] { readSafetensors(path.toStdString(), limits); });
    QVERIFY2(message.contains(expected), qPrintable("expected '" + expected + "', got: " + message));
    QVERIFY(timer.elapsed() < 1000);
  }

  void safetensorsManyEntries() {
    // 100,001 zero-size entries: refused at the default limit of 100,000, quickly.
    auto header = [](int n) {
      QByteArray h = "{";
      h.reserve(n * 56);
      for (int i = 0; i < n; ++i) {
        if (i) h += ',';
        h += "\"t" + QByteArray::number(i) + "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
      }
      return h + "}";
    };
    const QString path = tmp("many.safetensors");
    writeRawSafetensors(path, header(100001), {});
    QElapsedTimer timer;
    timer.start();
    QString message = errorOf([&] { readSafetensors(path.toStdString()); });
    qInfo() << "100,001-entry header (" << QFileInfo(path).size() << "bytes) refused in" << timer.elapsed() << "ms";
    QVERIFY2(message.contains("more than 100000 tensor entries"), qPrintable(message));
    QVERIFY(timer.elapsed() < 5000);
    // A lower limit, and a file at the limit that is accepted.
    ReadLimits limits;
    limits.maxTensors = 1000;
    writeRawSafetensors(path, header(1001), {});
    QVERIFY(errorOf([&] { readSafetensors(path.toStdString(), limits); }).contains("more than 1000 tensor entries"));
    writeRawSafetensors(path, header(1000), {});
    QCOMPARE(int(readSafetensors(path.toStdString(), limits).size()), 1000);
    // Total bytes limit.
    writeSafetensors(path.toStdString(), sampleStateDict());
    limits = {};
    limits.maxTotalBytes = 16;
    QVERIFY(errorOf([&] { readSafetensors(path.toStdString(), limits); }).contains("more than the limit"));
  }

  void safetensorsWriteRejects() {
    StateDict s;
    s.set("c", torch::zeros({2}, torch::kComplexFloat));
    QVERIFY(errorOf([&] { writeSafetensors(tmp("x.safetensors").toStdString(), s); }, ErrorKind::Usage)
                .contains("unsupported dtype"));
    StateDict dup;
    dup.tensors.emplace_back("a", torch::zeros({1}));
    dup.tensors.emplace_back("a", torch::zeros({1}));
    QVERIFY(errorOf([&] { writeSafetensors(tmp("x.safetensors").toStdString(), dup); }, ErrorKind::Usage)
                .contains("two tensors"));
    StateDict reserved;
    reserved.set("__metadata__", torch::zeros({1}));
    QVERIFY(errorOf([&] { writeSafetensors(tmp("x.safetensors").toStdString(), reserved); }, ErrorKind::Usage)
                .contains("invalid tensor name"));
    QVERIFY(!QFile::exists(tmp("x.safetensors")));
    QVERIFY(filesIn(mDir.path()).filter(".tmp-").isEmpty());
  }

  // ---- atomic writes -----------------------------------------------------------------------

  void atomicWriteFailures() {
    const QString dir = tmp("atomic");
    QVERIFY(QDir().mkpath(dir));
    const QString path = dir + "/model.safetensors";
    StateDict old;
    old.set("w", torch::arange(10, torch::kFloat32));
    old.metadata["version"] = "old";
    writeSafetensors(path.toStdString(), old);
    const QByteArray oldBytes = [&] { QFile f(path); f.open(QIODevice::ReadOnly); return f.readAll(); }();

    // A folder that does not exist.
    QString message = errorOf([&] { writeSafetensors((dir + "/missing/x.safetensors").toStdString(), old); },
                              ErrorKind::Io);
    QVERIFY2(message.contains("cannot create a temporary file"), qPrintable(message));

    // The target is a folder: the temp file is complete, the rename fails, the temp goes.
    QVERIFY(QDir().mkpath(dir + "/occupied.safetensors/inner"));
    message = errorOf([&] { writeSafetensors((dir + "/occupied.safetensors").toStdString(), old); }, ErrorKind::Io);
    QVERIFY2(message.contains("rename failed"), qPrintable(message));
    QCOMPARE(filesIn(dir), QStringList{"model.safetensors"});

    // File size limit (EFBIG, what a full disk looks like to write()): fails midway.
    StateDict big;
    big.set("w", torch::ones({1 << 18}));  // 1 MB
    struct rlimit saved {};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto oldHandler = signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 64 * 1024;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    message = errorOf([&] { writeSafetensors(path.toStdString(), big); }, ErrorKind::Io);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, oldHandler);
    QVERIFY2(message.contains("write failed") && message.contains("File too large"), qPrintable(message));
    QCOMPARE(filesIn(dir), QStringList{"model.safetensors"});
    const QByteArray after = [&] { QFile f(path); f.open(QIODevice::ReadOnly); return f.readAll(); }();
    QCOMPARE(after, oldBytes);
    QCOMPARE(readSafetensors(path.toStdString()).metadata.at("version"), std::string("old"));

    // And the overwrite works once it can.
    writeSafetensors(path.toStdString(), big);
    QCOMPARE(readSafetensors(path.toStdString()).find("w")->numel(), int64_t(1 << 18));
    QCOMPARE(filesIn(dir), QStringList{"model.safetensors"});
  }

  void atomicWriteDiskFull() {
    test::SmallDisk disk(tmp("tmpfs"), 1024);
    if (!disk.why.isEmpty()) QSKIP(qPrintable(disk.why));
    const QString dir = disk.folder;
    const QString path = dir + "/ckpt.safetensors";
    StateDict old;
    old.set("w", torch::full({1000}, 3.0));
    saveTrainingCheckpoint(path.toStdString(), old, {}, "{}", "{}", {{"step", "1"}});
    StateDict big;
    big.set("w", torch::ones({1 << 19}));  // 2 MB does not fit
    const QString message = errorOf(
        [&] { saveTrainingCheckpoint(path.toStdString(), big, {}, "{}", "{}", {{"step", "2"}}); }, ErrorKind::Io);
    QVERIFY2(message.startsWith("disk full: " + path), qPrintable(message));
    QCOMPARE(filesIn(dir), QStringList{"ckpt.safetensors"});
    const TrainingCheckpoint back = loadTrainingCheckpoint(path.toStdString());
    QCOMPARE(back.extra.at("step"), std::string("1"));
    QCOMPARE(back.model.find("w")->sum().item<double>(), 3000.0);
    // A save that fits succeeds.
    StateDict medium;
    medium.set("w", torch::ones({1 << 16}));  // 256 KB
    saveTrainingCheckpoint(path.toStdString(), medium, {}, "{}", "{}", {{"step", "2"}});
    QCOMPARE(loadTrainingCheckpoint(path.toStdString()).extra.at("step"), std::string("2"));
  }

  // ---- training checkpoints ----------------------------------------------------------------

  void trainingCheckpointRoundTrip() {
    const StateDict model = sampleStateDict();
    StateDict optimizer;
    optimizer.set("state.0.exp_avg", torch::randn({3, 4}));
    optimizer.set("state.0.step", torch::tensor(int64_t(12)));
    const std::string config = R"({"model":"prithvi_eo_v1_100","lr":1e-4,"bands":["B02","B03"]})";
    const std::string metrics = R"({"loss":[0.5,0.25],"note":"é"})";
    const std::map<std::string, std::string> extra{{"step", "12"}, {"rng", std::string("\x00\x01", 2)}};
    const QString path = tmp("train.safetensors");
    saveTrainingCheckpoint(path.toStdString(), model, optimizer, config, metrics, extra);
    const TrainingCheckpoint back = loadTrainingCheckpoint(path.toStdString());
    QCOMPARE(back.configJson, config);
    QCOMPARE(back.metricsJson, metrics);
    QVERIFY(back.extra == extra);
    QCOMPARE(back.model.size(), model.size());
    for (size_t i = 0; i < model.size(); ++i) {
      QCOMPARE(back.model.tensors[i].first, model.tensors[i].first);
      QVERIFY(bitEqual(back.model.tensors[i].second, model.tensors[i].second));
    }
    QCOMPARE(back.optimizer.size(), size_t(2));
    QVERIFY(bitEqual(*back.optimizer.find("state.0.exp_avg"), *optimizer.find("state.0.exp_avg")));
    // Any other safetensors file is not ours.
    writeSafetensors(tmp("plain.safetensors").toStdString(), model);
    QVERIFY(errorOf([&] { loadTrainingCheckpoint(tmp("plain.safetensors").toStdString()); })
                .contains("not a Prithvi Studio training checkpoint"));
  }

  // ---- loading into a module ---------------------------------------------------------------

  void loadIntoModuleReports() {
    struct Net : torch::nn::Module {
      torch::nn::Linear fc{nullptr};
      torch::nn::BatchNorm1d bn{nullptr};
      torch::Tensor pos_embed;
      Net() {
        fc = register_module("fc", torch::nn::Linear(3, 2));
        bn = register_module("bn", torch::nn::BatchNorm1d(2));
        pos_embed = register_buffer("pos_embed", torch::full({1, 5, 2}, 7.0));
      }
    };
    Net net;
    StateDict ckpt;
    ckpt.set("fc.weight", torch::arange(6, torch::kFloat64).reshape({2, 3}));  // dtype converted
    ckpt.set("fc.bias", torch::zeros({3}));                                     // wrong shape
    ckpt.set("bn.weight", torch::full({2}, 2.0));
    ckpt.set("bn.running_mean", torch::full({2}, 0.5));
    ckpt.set("pos_embed", torch::zeros({1, 9, 2}));                             // recomputed by the model
    ckpt.set("head.weight", torch::zeros({1}));                                 // unexpected
    ckpt.set("decoder.x", torch::zeros({1}));                                   // ignored by prefix

    CheckpointLoadOptions options;
    options.ignorePrefixes = {"decoder."};
    const CheckpointLoadReport report = loadIntoModule(net, ckpt, options);
    QCOMPARE(report.loaded, (std::vector<std::string>{"fc.weight", "bn.weight", "bn.running_mean"}));
    QCOMPARE(report.shapeMismatch, std::vector<std::string>{"fc.bias"});
    QCOMPARE(report.unexpected, std::vector<std::string>{"head.weight"});
    QCOMPARE(report.ignored, (std::vector<std::string>{"pos_embed", "decoder.x"}));
    QCOMPARE(report.missing, (std::vector<std::string>{"bn.bias", "bn.running_var", "bn.num_batches_tracked"}));
    QVERIFY(!report.complete());
    const QString text = QString::fromStdString(report.text());
    QVERIFY2(text.contains("fc.bias: checkpoint [3] vs module [2]") && text.contains("missing 3"), qPrintable(text));
    QCOMPARE(net.fc->weight.scalar_type(), torch::kFloat32);
    QVERIFY(torch::equal(net.fc->weight, torch::arange(6, torch::kFloat32).reshape({2, 3})));
    QVERIFY(net.fc->weight.requires_grad());
    QCOMPARE(net.pos_embed[0][0][0].item<float>(), 7.0f);  // untouched
    QCOMPARE(net.bn->running_mean[1].item<float>(), 0.5f);

    options.strict = true;
    const QString strict = errorOf([&] { loadIntoModule(net, ckpt, options); });
    QVERIFY2(strict.contains("head.weight") && strict.contains("bn.bias") && strict.contains("fc.bias"),
             qPrintable(strict));

    // pos_embed copied when asked to.
    CheckpointLoadOptions keep;
    keep.ignorePosEmbed = false;
    StateDict withPos;
    withPos.set("pos_embed", torch::ones({1, 5, 2}));
    const CheckpointLoadReport r2 = loadIntoModule(net, withPos, keep);
    QCOMPARE(r2.loaded, std::vector<std::string>{"pos_embed"});
    QCOMPARE(net.pos_embed.sum().item<float>(), 10.0f);

    // A complete, strict load.
    Net other;
    StateDict full;
    for (const auto& p : other.named_parameters()) full.set(p.key(), torch::zeros_like(p.value()));
    for (const auto& b : other.named_buffers()) full.set(b.key(), torch::zeros_like(b.value()));
    CheckpointLoadOptions strictOnly;
    strictOnly.strict = true;
    const CheckpointLoadReport r3 = loadIntoModule(net, full, strictOnly);
    QVERIFY(r3.complete());
    QCOMPARE(r3.ignored, std::vector<std::string>{"pos_embed"});

    // Non-finite weights are refused with the tensor named.
    for (const double poison : {std::nan(""), std::numeric_limits<double>::infinity()}) {
      StateDict damaged = full;
      torch::Tensor weight = torch::ones({2, 3});
      weight[1][2] = poison;
      damaged.set("fc.weight", weight);
      const QString why = errorOf([&] { loadIntoModule(net, damaged, strictOnly); });
      QVERIFY2(why.contains("'fc.weight' holds 1 non-finite value"), qPrintable(why));
    }
  }

  void canonicalKeysRules() {
    auto keysOf = [](const StateDict& s) {
      std::vector<std::string> k;
      for (const auto& item : s.tensors) k.push_back(item.first);
      return k;
    };
    auto make = [](std::initializer_list<const char*> names) {
      StateDict s;
      for (const char* n : names) s.set(n, torch::zeros({1}));
      return s;
    };
    QCOMPARE(keysOf(canonicalPrithviKeys(make({"cls_token", "decoder_embed.weight", "mask_token", "blocks.0.norm1.weight",
                                                "temporal_embed_dec.scale", "temporal_embed_enc.scale"}))),
             (std::vector<std::string>{"encoder.cls_token", "decoder.decoder_embed.weight", "decoder.mask_token",
                                       "encoder.blocks.0.norm1.weight", "decoder.temporal_embed_dec.scale",
                                       "encoder.temporal_embed_enc.scale"}));
    QCOMPARE(keysOf(canonicalPrithviKeys(make({"state_dict.model.encoder.cls_token", "state_dict.model.decoder.mask_token",
                                                "epoch_marker"}))),
             (std::vector<std::string>{"encoder.cls_token", "decoder.mask_token"}));
    QCOMPARE(keysOf(canonicalPrithviKeys(make({"module.cls_token", "module.mask_token"}))),
             (std::vector<std::string>{"encoder.cls_token", "decoder.mask_token"}));
    QCOMPARE(keysOf(canonicalPrithviKeys(make({"model_state.backbone.norm.weight", "model_state.decode_head.conv_seg.bias"}))),
             (std::vector<std::string>{"encoder.norm.weight", "decode_head.conv_seg.bias"}));
    StateDict clash = make({"encoder.x"});
    clash.tensors.emplace_back("encoder.x", torch::zeros({1}));
    QVERIFY(errorOf([&] { canonicalPrithviKeys(clash); }).contains("both map to 'encoder.x'"));
  }

  // ---- band subsetting and pos-embed resizing ---------------------------------------------

  void patchEmbedBandSelection() {
    const torch::Tensor weight = torch::arange(4 * 6 * 1 * 2 * 2, torch::kFloat32).reshape({4, 6, 1, 2, 2});
    const std::vector<std::string> ckptBands{"B02", "B03", "B04", "B05", "B06", "B07"};
    const std::vector<std::string> modelBands{"B04", "VV", "B02", "B07"};
    const torch::Tensor fresh = torch::full({4, 4, 1, 2, 2}, -1.0f);
    std::vector<std::string> notes;
    const torch::Tensor out = selectPatchEmbedChannels(weight, ckptBands, modelBands, fresh, &notes);
    QCOMPARE(out.sizes(), fresh.sizes());
    QVERIFY(torch::equal(out.select(1, 0), weight.select(1, 2)));
    QVERIFY(torch::equal(out.select(1, 1), fresh.select(1, 1)));
    QVERIFY(torch::equal(out.select(1, 2), weight.select(1, 0)));
    QVERIFY(torch::equal(out.select(1, 3), weight.select(1, 5)));
    QCOMPARE(fresh.min().item<float>(), -1.0f);  // input untouched
    const QString n = QString::fromStdString(notes.at(0));
    QVERIFY2(n.contains("3 bands") && n.contains("VV") && n.contains("dropped: B03, B05, B06"), qPrintable(n));
    // Same band list: exactly the checkpoint weight.
    QVERIFY(torch::equal(selectPatchEmbedChannels(weight, ckptBands, ckptBands, torch::zeros_like(weight)), weight));
    // Misuse.
    QVERIFY(errorOf([&] { selectPatchEmbedChannels(weight, {"B02"}, modelBands, fresh); }, ErrorKind::Usage)
                .contains("band names"));
    QVERIFY(errorOf([&] { selectPatchEmbedChannels(weight, ckptBands, {"B02", "B02", "B03", "B04"}, fresh); },
                    ErrorKind::Usage)
                .contains("twice"));
    QVERIFY(errorOf([&] { selectPatchEmbedChannels(weight, ckptBands, modelBands, torch::zeros({4, 4, 1, 3, 3})); },
                    ErrorKind::Usage)
                .contains("differ beyond the band axis"));
  }

  void posEmbedInterpolation() {
    torch::manual_seed(1);
    const torch::Tensor pos = torch::randn({1, 1 + 3 * 4 * 5, 8});
    // Identity.
    QVERIFY(torch::equal(interpolatePosEmbed(pos, 3, 4, 5, 3, 4, 5), pos));
    // Frames only: truncation is exact.
    const torch::Tensor two = interpolatePosEmbed(pos, 3, 4, 5, 2, 4, 5);
    QVERIFY(torch::equal(two, pos.slice(1, 0, 1 + 2 * 20)));
    std::vector<std::string> notes;
    const torch::Tensor four = interpolatePosEmbed(pos, 3, 4, 5, 4, 4, 5, &notes);
    QVERIFY(torch::equal(four.slice(1, 1 + 3 * 20), pos.slice(1, 1 + 2 * 20)));  // last frame repeated
    QVERIFY(QString::fromStdString(notes.at(0)).contains("lose their temporal encoding"));
    // Spatial: cls row kept, corners kept (align_corners=True).
    const torch::Tensor big = interpolatePosEmbed(pos, 3, 4, 5, 3, 7, 9);
    QCOMPARE(big.sizes(), (c10::IntArrayRef{1, 1 + 3 * 7 * 9, 8}));
    QVERIFY(torch::equal(big.slice(1, 0, 1), pos.slice(1, 0, 1)));
    const torch::Tensor g0 = pos.slice(1, 1).reshape({3, 4, 5, 8});
    const torch::Tensor g1 = big.slice(1, 1).reshape({3, 7, 9, 8});
    QVERIFY(torch::allclose(g1.select(1, 0).select(1, 0), g0.select(1, 0).select(1, 0), 1e-5, 1e-6));
    QVERIFY(torch::allclose(g1.select(1, 6).select(1, 8), g0.select(1, 3).select(1, 4), 1e-5, 1e-6));
    // Half precision in, half precision out.
    QCOMPARE(interpolatePosEmbed(pos.to(torch::kBFloat16), 3, 4, 5, 3, 2, 2).scalar_type(), torch::kBFloat16);
    QVERIFY(errorOf([&] { interpolatePosEmbed(pos, 3, 4, 4, 3, 4, 5); }, ErrorKind::Usage).contains("does not fit"));

    if (!mHavePython) QSKIP("python3-torch not available for the reference values");
    const QString path = tmp("interp.safetensors");
    bool ok = false;
    fixture({"interp", path}, &ok);
    QVERIFY(ok);
    const StateDict ref = readSafetensors(path.toStdString());
    const torch::Tensor input = *ref.find("input");
    const torch::Tensor a = interpolatePosEmbed(input, 2, 4, 5, 2, 7, 6);
    const torch::Tensor b = interpolatePosEmbed(input, 2, 4, 5, 1, 3, 3);
    const double errA = (a - *ref.find("to_2x7x6")).abs().max().item<double>();
    const double errB = (b - *ref.find("to_1x3x3")).abs().max().item<double>();
    qInfo() << "bicubic vs python F.interpolate: max abs diff" << errA << errB;
    QVERIFY(errA < 1e-5);
    QVERIFY(errB < 1e-5);
  }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
