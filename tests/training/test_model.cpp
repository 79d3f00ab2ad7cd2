// The Prithvi MAE in LibTorch: configs, parameter counts and key names of the released variants,
// position tables against the closed form, masking, patchify, loss, heads, frozen encoder and
// the cloud-gap reconstruction path (spec/prithvi.md sections 1, 2.2, 2.3, 8 and 10).
#include <torch/torch.h>

#include <QElapsedTimer>
#include <QTest>

#include <clocale>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "core/base/Error.h"
#include "training/model/CpuRuntime.h"
#include "training/model/Heads.h"
#include "training/model/Json.h"
#include "training/model/LinearPrecision.h"
#include "training/model/PositionEmbedding.h"
#include "training/model/PrithviConfig.h"
#include "training/model/Checkpoint.h"
#include "training/model/PrithviMae.h"

#include "tests/support/TestSupport.h"

using namespace prithvi;
using namespace prithvi::model;

namespace {

using Shapes = std::map<std::string, std::vector<int64_t>>;

// The key list of spec 2.2 (EO-1.0 100M), in the PrithviMAE layout, written out from the text.
Shapes spec100MKeys() {
  Shapes k;
  k["encoder.cls_token"] = {1, 1, 768};
  k["encoder.pos_embed"] = {1, 589, 768};
  k["encoder.patch_embed.proj.weight"] = {768, 6, 1, 16, 16};
  k["encoder.patch_embed.proj.bias"] = {768};
  for (int n = 0; n < 12; ++n) {
    const std::string b = "encoder.blocks." + std::to_string(n) + ".";
    k[b + "norm1.weight"] = {768};
    k[b + "norm1.bias"] = {768};
    k[b + "attn.qkv.weight"] = {2304, 768};
    k[b + "attn.qkv.bias"] = {2304};
    k[b + "attn.proj.weight"] = {768, 768};
    k[b + "attn.proj.bias"] = {768};
    k[b + "norm2.weight"] = {768};
    k[b + "norm2.bias"] = {768};
    k[b + "mlp.fc1.weight"] = {3072, 768};
    k[b + "mlp.fc1.bias"] = {3072};
    k[b + "mlp.fc2.weight"] = {768, 3072};
    k[b + "mlp.fc2.bias"] = {768};
  }
  k["encoder.norm.weight"] = {768};
  k["encoder.norm.bias"] = {768};
  k["decoder.mask_token"] = {1, 1, 512};
  k["decoder.decoder_pos_embed"] = {1, 589, 512};
  k["decoder.decoder_embed.weight"] = {512, 768};
  k["decoder.decoder_embed.bias"] = {512};
  for (int n = 0; n < 8; ++n) {
    const std::string b = "decoder.decoder_blocks." + std::to_string(n) + ".";
    k[b + "norm1.weight"] = {512};
    k[b + "norm1.bias"] = {512};
    k[b + "attn.qkv.weight"] = {1536, 512};
    k[b + "attn.qkv.bias"] = {1536};
    k[b + "attn.proj.weight"] = {512, 512};
    k[b + "attn.proj.bias"] = {512};
    k[b + "norm2.weight"] = {512};
    k[b + "norm2.bias"] = {512};
    k[b + "mlp.fc1.weight"] = {2048, 512};
    k[b + "mlp.fc1.bias"] = {2048};
    k[b + "mlp.fc2.weight"] = {512, 2048};
    k[b + "mlp.fc2.bias"] = {512};
  }
  k["decoder.decoder_norm.weight"] = {512};
  k["decoder.decoder_norm.bias"] = {512};
  k["decoder.decoder_pred.weight"] = {1536, 512};
  k["decoder.decoder_pred.bias"] = {1536};
  return k;
}

Shapes moduleKeys(const torch::nn::Module& m, int* params, int* buffers) {
  Shapes out;
  *params = *buffers = 0;
  for (const auto& p : m.named_parameters(true)) {
    out[p.key()] = p.value().sizes().vec();
    ++*params;
  }
  for (const auto& b : m.named_buffers(true)) {
    out[b.key()] = b.value().sizes().vec();
    ++*buffers;
  }
  return out;
}

int countPrefix(const Shapes& s, const std::string& prefix) {
  int n = 0;
  for (const auto& [k, v] : s) n += k.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

// Independent closed form: omega_i = 10000^(-i/(d/2)), [sin | cos].
double sincosValue(int64_t d, double pos, int64_t j) {
  const int64_t half = d / 2;
  const int64_t i = j < half ? j : j - half;
  const double a = pos / std::pow(10000.0, static_cast<double>(i) / static_cast<double>(half));
  return j < half ? std::sin(a) : std::cos(a);
}

double relDiff(const torch::Tensor& a, const torch::Tensor& b) {
  const auto scale = b.abs().max().item<double>();
  return (a - b).abs().max().item<double>() / std::max(scale, 1e-30);
}

template <typename F>
ErrorKind kindOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::Canceled;  // "nothing thrown"
}

}  // namespace

class TestModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    torch::manual_seed(1234);
    at::set_num_threads(2);
  }

  void configsRoundTripAndValidate() {
    const auto names = PrithviConfig::names();
    for (const char* required : {"prithvi_eo_v1_100", "prithvi_eo_v2_300", "prithvi_eo_v2_300_tl", "prithvi_eo_v2_600",
                                 "prithvi_eo_v2_600_tl", "prithvi_eo_v2_100_tl", "prithvi_eo_v2_tiny_tl", "tiny_test"})
      QVERIFY2(std::find(names.begin(), names.end(), required) != names.end(), required);
    for (const auto& n : names) {
      const auto c = PrithviConfig::byName(n);
      QCOMPARE(c.name, n);
      c.validate();
      QVERIFY2(PrithviConfig::fromJson(c.toJson()) == c, n.c_str());
    }
    // Spec 1.1 / 1.2 facts.
    const auto v1 = PrithviConfig::byName("prithvi_eo_v1_100");
    QCOMPARE(v1.numPatches(), int64_t(588));
    QCOMPARE(v1.patchDim(), int64_t(1536));
    QCOMPARE(v1.normEps, 1e-6);
    QCOMPARE(v1.maskRatio, 0.75);
    QVERIFY(!v1.normPixLoss && !v1.temporalEncoding && !v1.locationEncoding);
    const auto v600 = PrithviConfig::byName("prithvi_eo_v2_600_tl");
    QCOMPARE(v600.patchSize, int64_t(14));
    QCOMPARE(v600.numPatches(), int64_t(1024));
    QCOMPARE(v600.patchDim(), int64_t(1176));
    QVERIFY(v600.temporalEncoding && v600.locationEncoding && v600.coordsScaleLearn);
    const auto tiny = PrithviConfig::byName("prithvi_eo_v2_tiny_tl");
    QCOMPARE(tiny.embedDim, int64_t(192));
    QCOMPARE(tiny.numHeads, int64_t(3));
    QCOMPARE(tiny.numFrames, int64_t(1));

    // Unknown names: a usage error that lists the known ones.
    try {
      PrithviConfig::byName("prithvi_9000");
      QFAIL("no error");
    } catch (const Error& e) {
      QCOMPARE(e.kind(), ErrorKind::Usage);
      QVERIFY(std::string(e.what()).find("prithvi_eo_v2_300_tl") != std::string::npos);
    }
    // The HF config.json style: nested pretrained_cfg, patch_size [t, p, p], foreign keys.
    const std::string hf = R"({"architecture": "prithvi_eo_v2_300", "num_features": 1024,
      "pretrained_cfg": {"img_size": 224, "num_frames": 4, "patch_size": [1, 16, 16], "in_chans": 6,
      "embed_dim": 1024, "depth": 24, "num_heads": 16, "decoder_embed_dim": 512, "decoder_depth": 8,
      "decoder_num_heads": 16, "mlp_ratio": 4, "mean": [1087.0, 1342.0, 1433.0, 2734.0, 1958.0, 1363.0],
      "std": [2248.0, 2179.0, 2178.0, 1850.0, 1242.0, 1049.0], "bands": ["BLUE", "GREEN"],
      "coords_encoding": ["time", "location"], "coords_scale_learn": true, "mask_ratio": 0.75,
      "norm_pix_loss": false}})";
    auto fromHf = PrithviConfig::fromJson(hf);
    auto expect = PrithviConfig::byName("prithvi_eo_v2_300_tl");
    fromHf.name = expect.name;
    QVERIFY(fromHf == expect);
    QCOMPARE(kindOf([] { PrithviConfig::fromJson("{\"embed_dim\": 100"); }), ErrorKind::BadInput);
    QCOMPARE(kindOf([] { PrithviConfig::fromJson("{\"embed_dim\": \"big\"}"); }), ErrorKind::BadInput);
    QCOMPARE(kindOf([] { PrithviConfig::fromJson("{\"coords_encoding\": [\"weather\"]}"); }), ErrorKind::BadInput);
    // A config that cannot describe a model is bad input (it comes from a file), refused before
    // anything is allocated from its sizes.
    QCOMPARE(kindOf([] { PrithviConfig::fromJson("{\"embed_dim\": 100}"); }), ErrorKind::BadInput);  // not /16
    test::expectError(ErrorKind::BadInput, [] { PrithviConfig::fromJson("{\"img_size\": 1e6}"); }, "img_size 1000000");
    test::expectError(ErrorKind::BadInput, [] {
      PrithviConfig::fromJson("{\"std\": [2248.0, 0, 2178.0, 1850.0, 1242.0, 1049.0]}");
    }, "std of band 2 is 0");
    auto bad = PrithviConfig::byName("tiny_test");
    bad.tubeletSize = 2;
    bad.temporalEncoding = true;
    QCOMPARE(kindOf([&] { bad.validate(); }), ErrorKind::BadInput);
  }

  // Model configs go through nlohmann-json with our limits: whole numbers, duplicate keys,
  // overflowing numbers, and numbers written and read the same under a comma-decimal locale.
  void configJsonRules() {
    QCOMPARE(PrithviConfig::fromJson("{\"img_size\": 64, \"patch_size\": 8}").imgSize, int64_t(64));
    test::expectError(ErrorKind::BadInput, [] { PrithviConfig::fromJson("{\"depth\": 2.5}"); }, "'depth' must be an integer");
    test::expectError(ErrorKind::BadInput, [] { PrithviConfig::fromJson("{\"depth\": 9223372036854775808}"); },
                      "'depth' must be an integer");
    test::expectError(ErrorKind::BadInput, [] { PrithviConfig::fromJson("{\"depth\": 1e400}"); }, "number overflow");
    test::expectError(ErrorKind::BadInput, [] { PrithviConfig::fromJson("{\"depth\": 12, \"depth\": 2}"); },
                      "duplicate key 'depth'");
    test::expectError(ErrorKind::BadInput, [] { PrithviConfig::fromJson("{\"depth\": 12,}"); }, "at byte 13 of the JSON");
    test::expectError(ErrorKind::BadInput, [] { PrithviConfig::fromJson("{\"depth\": 12} {}"); },
                      "unexpected text after the JSON at byte 14");
    test::expectError(ErrorKind::BadInput, [] { PrithviConfig::fromJson(std::string("{\"depth\": 12}\0{}", 17)); },
                      "NUL byte at byte 13");
    test::expectError(ErrorKind::BadInput, [] { PrithviConfig::fromJson(std::string(40, '[')); }, "nesting deeper than 16 levels");

    const std::string before = std::setlocale(LC_ALL, nullptr);
    if (!std::setlocale(LC_ALL, "de_DE.UTF-8")) QSKIP("the de_DE.UTF-8 locale is not installed");
    PrithviConfig config = PrithviConfig::byName("tiny_test");
    config.maskRatio = 0.625;
    config.normEps = 1.5e-6;
    const std::string json = config.toJson();
    const PrithviConfig back = PrithviConfig::fromJson("{\"mask_ratio\": 0.5, \"mlp_ratio\": 2.5}");
    std::setlocale(LC_ALL, before.c_str());
    QVERIFY2(json.find("\"mask_ratio\": 0.625,") != std::string::npos, json.c_str());
    QVERIFY2(json.find("\"norm_eps\": 1.5e-06,") != std::string::npos, json.c_str());
    QVERIFY(PrithviConfig::fromJson(json) == config);
    QCOMPARE(back.maskRatio, 0.5);
    QCOMPARE(back.mlpRatio, 2.5);
  }

  // The limits of model::parseJson, which safetensors headers are read under.
  void jsonLimits() {
    model::JsonLimits limits;
    limits.maxNodes = 5;
    test::expectError(ErrorKind::BadInput, [&] { model::parseJson("[1,2,3,4,5]", "ctx", limits); },
                      "ctx: too many JSON values (more than 5)");
    QCOMPARE(model::parseJson("[1,2,3,4]", "ctx", limits).size(), size_t(4));
    limits = {};
    limits.maxTopLevelMembers = 2;
    limits.topLevelMembers = "2 entries";
    test::expectError(ErrorKind::BadInput, [&] { model::parseJson(R"({"a":1,"b":2,"c":3})", "ctx", limits); },
                      "ctx: more than 2 entries");
    limits = {};
    limits.maxBytes = 8;
    test::expectError(ErrorKind::BadInput, [&] { model::parseJson(R"({"a":123})", "ctx", limits); },
                      "9 bytes, more than the limit of 8");
    // Members stay in document order; duplicates are refused at any depth.
    const model::Json doc = model::parseJson(R"({"z":1,"a":{"y":2,"b":3}})", "ctx");
    QCOMPARE(doc.begin().key(), std::string("z"));
    QCOMPARE(doc["a"].begin().key(), std::string("y"));
    test::expectError(ErrorKind::BadInput, [] { model::parseJson(R"({"a":{"b":1,"b":2}})", "ctx"); }, "duplicate key 'b'");
    // The same key in two objects is not a duplicate.
    QCOMPARE(model::parseJson(R"([{"a":1},{"a":2}])", "ctx").size(), size_t(2));
  }

  // Spec 1.1 / 1.2: 100M = 86.69 M encoder (incl. 0.45 M pos_embed) + 26.70 M decoder =
  // 113,393,408 floats; 300M ~ 331.6 M; 600M ~ 659.5 M; 100M-TL ~ 113.6 M; tiny-TL ~ 31.9 M.
  // Convention: learned parameters + the two pos-embed tables (buffers here, stored in the
  // checkpoints), exactly what the released fp32 files hold.
  void parameterCountsOfReleasedVariants_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<double>("totalMillions");
    QTest::addColumn<int>("encoderKeys");
    QTest::addColumn<int>("decoderKeys");
    QTest::newRow("100M") << "prithvi_eo_v1_100" << 113.39 << 150 << 104;
    QTest::newRow("300M") << "prithvi_eo_v2_300" << 331.6 << 294 << 104;
    QTest::newRow("600M-TL") << "prithvi_eo_v2_600_tl" << 659.5 << 390 + 2 << 106;
    QTest::newRow("100M-TL") << "prithvi_eo_v2_100_tl" << 113.6 << 150 + 2 << 106;
    QTest::newRow("tiny-TL") << "prithvi_eo_v2_tiny_tl" << 31.9 << 150 + 2 << 106;
  }
  void parameterCountsOfReleasedVariants() {
    QFETCH(QString, name);
    QFETCH(double, totalMillions);
    QFETCH(int, encoderKeys);
    QFETCH(int, decoderKeys);
    const auto cfg = PrithviConfig::byName(name.toStdString());
    const auto expected = expectedParameterCounts(cfg);
    QElapsedTimer timer;
    timer.start();
    PrithviMae mae(cfg);
    const auto counts = countParameters(*mae);
    const auto enc = countParameters(*mae->encoder);
    QCOMPARE(counts.parameters, expected.learned());
    QCOMPARE(counts.trainable, expected.learned());
    QCOMPARE(counts.buffers, expected.encoderPosEmbed + expected.decoderPosEmbed);
    QCOMPARE(enc.parameters, expected.encoderLearned);
    QCOMPARE(std::round(expected.checkpointFloats() / 1e5) / 10.0, std::round(totalMillions * 10) / 10.0);
    if (cfg.name == "prithvi_eo_v1_100") {
      QCOMPARE(expected.checkpointFloats(), int64_t(113393408));
      QCOMPARE(std::round(expected.encoderTotal() / 1e4) / 100.0, 86.69);
      QCOMPARE(std::round(expected.decoderTotal() / 1e4) / 100.0, 26.70);
      QCOMPARE(std::round(expected.encoderPosEmbed / 1e4) / 100.0, 0.45);
    }
    int params = 0, buffers = 0;
    const auto keys = moduleKeys(*mae, &params, &buffers);
    QCOMPARE(countPrefix(keys, "encoder."), encoderKeys);
    QCOMPARE(countPrefix(keys, "decoder."), decoderKeys);
    QCOMPARE(buffers, 2);  // the two pos-embed tables; learned TL scales are parameters
    if (cfg.name == "prithvi_eo_v2_600_tl") {  // spec 2.3
      QVERIFY(keys.at("encoder.patch_embed.proj.weight") == (std::vector<int64_t>{1280, 6, 1, 14, 14}));
      QVERIFY(keys.at("encoder.pos_embed") == (std::vector<int64_t>{1, 1025, 1280}));
      QVERIFY(keys.at("decoder.decoder_pred.weight") == (std::vector<int64_t>{1176, 512}));
      for (const char* k : {"encoder.temporal_embed_enc.scale", "encoder.location_embed_enc.scale",
                            "decoder.temporal_embed_dec.scale", "decoder.location_embed_dec.scale"})
        QVERIFY2(keys.count(k) && keys.at(k) == std::vector<int64_t>{1}, k);
      QCOMPARE(mae->encoder->temporal_embed_enc->scale.item<float>(), 0.1f);
      QVERIFY(mae->encoder->temporal_embed_enc->scale.requires_grad());
    }
    if (cfg.name == "prithvi_eo_v2_300")
      QVERIFY(keys.at("encoder.pos_embed") == (std::vector<int64_t>{1, 785, 1024}));
    // A forward on a tiny input (one frame of 2 x 2 patches) is cheap even for 600M.
    const int64_t p = cfg.patchSize;
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({1, cfg.inChans, 1, 2 * p, 2 * p});
    Coords coords;
    if (cfg.temporalEncoding) coords.temporal = torch::tensor({2020.f, 150.f}).view({1, 1, 2});
    if (cfg.locationEncoding) coords.location = torch::tensor({40.f, -105.f}).view({1, 2});
    const auto out = mae->forward(x, coords, 0.5);
    QCOMPARE(out.pred.sizes().vec(), (std::vector<int64_t>{1, 4, cfg.patchDim()}));
    QCOMPARE(out.latent.sizes().vec(), (std::vector<int64_t>{1, 1 + 2, cfg.embedDim}));
    QCOMPARE(out.mask.sum().item<float>(), 2.f);
    QVERIFY(std::isfinite(out.loss.item<float>()));
    qInfo("%s: %.3f M learned + %.3f M pos-embed, built and run in %lld ms", cfg.name.c_str(),
          expected.learned() / 1e6, (expected.encoderPosEmbed + expected.decoderPosEmbed) / 1e6,
          static_cast<long long>(timer.elapsed()));
  }

  // Spec 2.2: all 254 keys of Prithvi-100M with their shapes (252 parameters + 2 buffers).
  void keyNamesOf100MMatchTheCheckpoint() {
    PrithviMae mae(PrithviConfig::byName("prithvi_eo_v1_100"));
    int params = 0, buffers = 0;
    const auto keys = moduleKeys(*mae, &params, &buffers);
    const auto expected = spec100MKeys();
    QCOMPARE(int(expected.size()), 254);
    QCOMPARE(params, 252);
    QCOMPARE(buffers, 2);
    for (const auto& [k, shape] : expected) {
      const auto it = keys.find(k);
      QVERIFY2(it != keys.end(), ("missing " + k).c_str());
      QVERIFY2(it->second == shape, ("shape of " + k).c_str());
    }
    QCOMPARE(keys.size(), expected.size());
    std::set<std::string> bufferNames;
    for (const auto& b : mae->named_buffers(true)) bufferNames.insert(b.key());
    QVERIFY(bufferNames == (std::set<std::string>{"encoder.pos_embed", "decoder.decoder_pos_embed"}));
    // The encoder alone has the same names without the prefix.
    const auto enc = moduleKeys(*mae->encoder, &params, &buffers);
    QCOMPARE(int(enc.size()), 150);
    QVERIFY(enc.count("blocks.11.attn.qkv.weight") && enc.count("pos_embed"));
  }

  // Spec 1.4 and 1.9 against the closed form, entry by entry.
  void positionTablesMatchTheClosedForm() {
    // 100M: row of token (t=2, h=5, w=7); w part [0, 288), h part [288, 576), t part [576, 768).
    const auto table = get3dSinCos(768, {3, 14, 14}, true);
    QCOMPARE(table.sizes().vec(), (std::vector<int64_t>{589, 768}));
    QCOMPARE(table[0].abs().max().item<float>(), 0.f);  // cls row
    const auto row = table[1 + 2 * 196 + 5 * 14 + 7];
    const auto a = row.accessor<float, 1>();
    for (int64_t i : {0, 3, 100, 143}) {
      QVERIFY(std::abs(a[i] - std::sin(7.0 / std::pow(10000.0, i / 144.0))) < 1e-6);
      QVERIFY(std::abs(a[144 + i] - std::cos(7.0 / std::pow(10000.0, i / 144.0))) < 1e-6);
      QVERIFY(std::abs(a[288 + i] - std::sin(5.0 / std::pow(10000.0, i / 144.0))) < 1e-6);
      QVERIFY(std::abs(a[288 + 144 + i] - std::cos(5.0 / std::pow(10000.0, i / 144.0))) < 1e-6);
    }
    for (int64_t i : {0, 1, 50, 95}) {
      QVERIFY(std::abs(a[576 + i] - std::sin(2.0 / std::pow(10000.0, i / 96.0))) < 1e-6);
      QVERIFY(std::abs(a[576 + 96 + i] - std::cos(2.0 / std::pow(10000.0, i / 96.0))) < 1e-6);
    }
    // Whole small table, (t, h, w) order with w fastest, against nested loops.
    const int64_t d = 64;
    const TokenGrid g{2, 3, 4};
    const auto small = get3dSinCos(d, g, true);
    const auto s = small.accessor<float, 2>();
    double worst = 0;
    int64_t n = 1;
    for (int64_t t = 0; t < g.t; ++t)
      for (int64_t h = 0; h < g.h; ++h)
        for (int64_t w = 0; w < g.w; ++w, ++n)
          for (int64_t j = 0; j < d; ++j) {
            double v;
            if (j < 24) v = sincosValue(24, double(w), j);
            else if (j < 48) v = sincosValue(24, double(h), j - 24);
            else v = sincosValue(16, double(t), j - 48);
            worst = std::max(worst, std::abs(v - s[n][j]));
          }
    QVERIFY2(worst < 1e-6, std::to_string(worst).c_str());
    // The encoder buffer is this table for the configured grid.
    PrithviEncoder enc(PrithviConfig::byName("tiny_test"));
    QVERIFY(torch::equal(enc->pos_embed[0], get3dSinCos(64, {2, 4, 4}, true)));
    QVERIFY(torch::equal(enc->posEmbedFor({3, 5, 6}), get3dSinCos(64, {3, 5, 6}, true)));

    // Time: [sincos_{D/2}(year) | sincos_{D-D/2}(doy)]; location: [lat | lon].
    const auto coords = torch::tensor({2020.f, 149.f, 2021.f, 0.f}).view({1, 2, 2});
    const auto te = temporalSinCos(64, coords);
    QCOMPARE(te.sizes().vec(), (std::vector<int64_t>{1, 2, 64}));
    const auto ta = te.accessor<float, 3>();
    for (int64_t j : {0, 5, 16, 31}) {
      QVERIFY(std::abs(ta[0][0][j] - sincosValue(32, 2020.0, j)) < 1e-6);
      QVERIFY(std::abs(ta[0][0][32 + j] - sincosValue(32, 149.0, j)) < 1e-6);
      QVERIFY(std::abs(ta[0][1][j] - sincosValue(32, 2021.0, j)) < 1e-6);
    }
    const auto le = locationSinCos(32, torch::tensor({-33.5f, 151.25f}).view({1, 2}));
    QCOMPARE(le.sizes().vec(), (std::vector<int64_t>{1, 1, 32}));
    QVERIFY(std::abs(le[0][0][3].item<float>() - sincosValue(16, double(-33.5f), 3)) < 1e-6);
    QVERIFY(std::abs(le[0][0][16 + 9].item<float>() - sincosValue(16, double(151.25f), 9)) < 1e-6);
    // The encoder adds scale * time encoding to every token of a frame (repeat over h, w).
    TemporalEncoder tenc(64, true);
    const auto rep = tenc->forward(coords, 16);
    QCOMPARE(rep.sizes().vec(), (std::vector<int64_t>{1, 32, 64}));
    QVERIFY(torch::allclose(rep[0][15], 0.1f * te[0][0]) && torch::allclose(rep[0][16], 0.1f * te[0][1]));
  }

  // Spec 1.6: floor(588 * 0.25) = 147 kept, smallest noise kept, 1 = removed.
  void maskingKeepsTheSmallestNoise() {
    QCOMPARE(lenKeepFor(588, 0.75), int64_t(147));
    QCOMPARE(lenKeepFor(784, 0.75), int64_t(196));
    QCOMPARE(lenKeepFor(32, 0.6), int64_t(12));  // 12.8 -> floor
    const int64_t b = 3, l = 588, d = 5;
    const auto x = torch::randn({b, l, d});
    const auto noise = torch::rand({b, l});
    const auto r = randomMasking(x, 0.75, noise);
    QCOMPARE(r.kept.sizes().vec(), (std::vector<int64_t>{b, 147, d}));
    QVERIFY(torch::equal(r.mask.sum(1), torch::full({b}, 441.f)));
    const auto order = std::get<1>(noise.sort(1));
    for (int64_t s = 0; s < b; ++s) {
      const auto keptIdx = order[s].slice(0, 0, 147);
      QVERIFY(torch::equal(r.mask[s].index_select(0, keptIdx), torch::zeros({147})));
      QVERIFY(torch::equal(r.kept[s], x[s].index_select(0, keptIdx)));  // in ids_shuffle order
    }
    // ids_restore undoes the shuffle: kept ++ removed, gathered, is x again.
    const auto removed = x.gather(1, order.slice(1, 147).unsqueeze(-1).expand({b, l - 147, d}));
    const auto back = torch::cat({r.kept, removed}, 1).gather(1, r.idsRestore.unsqueeze(-1).expand({b, l, d}));
    QVERIFY(torch::equal(back, x));
    // Bad noise shape is the user's error.
    QCOMPARE(kindOf([&] { randomMasking(x, 0.75, torch::rand({b, l + 1})); }), ErrorKind::BadInput);
    // Without noise it draws its own, same count.
    QCOMPARE(randomMasking(x, 0.75).kept.size(1), int64_t(147));
  }

  // Spec 1.8: b c (t s) (h p) (w q) -> b (t h w) (s p q c), channel fastest; exact inverse.
  void patchifyOrderAndExactRoundTrip() {
    const int64_t b = 2, c = 6, t = 4, h = 32, w = 48, s = 2, p = 8;
    const auto x = torch::randn({b, c, t, h, w});
    const auto tok = patchify(x, s, p);
    const TokenGrid g{t / s, h / p, w / p};
    QCOMPARE(tok.sizes().vec(), (std::vector<int64_t>{b, g.tokens(), s * p * p * c}));
    QVERIFY(torch::equal(unpatchify(tok, c, g, s, p), x));
    const auto xa = x.accessor<float, 5>();
    const auto ta = tok.accessor<float, 3>();
    for (int trial = 0; trial < 200; ++trial) {
      const int64_t bi = trial % b, ci = (trial * 7) % c, tt = (trial * 3) % g.t, hh = (trial * 5) % g.h,
                    ww = (trial * 11) % g.w, si = trial % s, row = (trial * 13) % p, col = (trial * 17) % p;
      const int64_t token = (tt * g.h + hh) * g.w + ww;
      const int64_t index = ((si * p + row) * p + col) * c + ci;
      QCOMPARE(ta[bi][token][index], xa[bi][ci][tt * s + si][hh * p + row][ww * p + col]);
    }
    // The MAE's own patchify (config tubelet/patch) and the 100M width.
    PrithviMae mae(PrithviConfig::byName("tiny_test"));
    const auto y = torch::randn({1, 6, 2, 32, 32});
    QVERIFY(torch::equal(mae->unpatchify(mae->patchify(y), {2, 4, 4}), y));
    QCOMPARE(patchify(torch::zeros({1, 6, 3, 224, 224}), 1, 16).sizes().vec(), (std::vector<int64_t>{1, 588, 1536}));
    QCOMPARE(kindOf([] { patchify(torch::zeros({1, 6, 3, 30, 32}), 1, 8); }), ErrorKind::BadInput);
  }

  // The loss is the MSE over masked tokens only.
  void lossIgnoresVisibleTokens() {
    auto cfg = PrithviConfig::byName("tiny_test");
    PrithviMae mae(cfg);
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({2, 6, 2, 32, 32});
    const auto out = mae->forward(x);
    QCOMPARE(out.mask.sum().item<float>(), 2.f * 24);
    const auto visible = (out.mask == 0).unsqueeze(-1);
    const auto hidden = (out.mask == 1).unsqueeze(-1);
    const auto changedVisible = torch::where(visible, out.pred + 5.0, out.pred);
    const auto changedHidden = torch::where(hidden, out.pred + 5.0, out.pred);
    QVERIFY(mae->forwardLoss(x, changedVisible, out.mask).item<float>() == out.loss.item<float>());
    QVERIFY(mae->forwardLoss(x, changedHidden, out.mask).item<float>() > out.loss.item<float>() + 1.0f);
    // Closed form of one case: pred 0, target x -> mean of x^2 over hidden tokens.
    const auto zeroPred = torch::zeros_like(out.pred);
    const auto target = mae->patchify(x);
    const auto expected = (target.pow(2).mean(-1) * out.mask).sum() / out.mask.sum();
    QVERIFY(relDiff(mae->forwardLoss(x, zeroPred, out.mask), expected) < 1e-6);
    // norm_pix_loss: per-token standardised target (unbiased variance, eps 1e-6).
    const auto normed = (target - target.mean(-1, true)) / (target.var(-1, true, true) + 1e-6).sqrt();
    const auto expectedNorm = (normed.pow(2).mean(-1) * out.mask).sum() / out.mask.sum();
    QVERIFY(relDiff(maeLoss(target, zeroPred, out.mask, true), expectedNorm) < 1e-6);
  }

  // Injected noise reproduces the mask; other grids regenerate the pos-embed; coords change the
  // output of a -TL model; shapes follow the input.
  void forwardShapesAndInjectedNoise() {
    auto cfg = PrithviConfig::byName("tiny_test");
    PrithviMae mae(cfg);
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({2, 6, 2, 32, 32});
    const auto noise = torch::rand({2, 32});
    const auto a = mae->forward(x, {}, std::nullopt, noise);
    const auto b = mae->forward(x, {}, std::nullopt, noise);
    QVERIFY(torch::equal(a.pred, b.pred) && torch::equal(a.mask, b.mask));
    QVERIFY(torch::equal(a.mask, randomMasking(torch::zeros({2, 32, 1}), 0.75, noise).mask));
    QCOMPARE(a.latent.sizes().vec(), (std::vector<int64_t>{2, 1 + 8, 64}));
    QCOMPARE(a.pred.sizes().vec(), (std::vector<int64_t>{2, 32, 384}));
    // Another grid: 3 frames of 48 x 40 -> (3, 6, 5) = 90 tokens, floor(22.5) = 22 kept.
    const auto other = mae->forward(torch::randn({1, 6, 3, 48, 40}));
    QCOMPARE(other.grid, (TokenGrid{3, 6, 5}));
    QCOMPARE(other.latent.size(1), int64_t(1 + 22));
    QCOMPARE(other.pred.sizes().vec(), (std::vector<int64_t>{1, 90, 384}));
    // 4D input = one frame.
    QCOMPARE(mae->forward(torch::randn({1, 6, 32, 32})).pred.size(1), int64_t(16));
    QCOMPARE(kindOf([&] { mae->forward(torch::randn({1, 5, 2, 32, 32})); }), ErrorKind::BadInput);
    QCOMPARE(kindOf([&] { mae->forward(torch::randn({1, 6, 2, 30, 32})); }), ErrorKind::BadInput);
    // No masking: all tokens in order; the decoder takes them without ids_restore.
    const auto full = mae->forwardMasked(x, MaskSpec::none());
    QCOMPARE(full.latent.size(1), int64_t(33));
    QCOMPARE(full.mask.sum().item<float>(), 0.f);
    QVERIFY(torch::allclose(full.latent, mae->encoder->forwardFeatures(x)));
    // Per-block outputs: the last one is after the final norm.
    const auto blocks = mae->encoder->forwardBlocks(x, {}, {0, 1});
    QCOMPARE(int(blocks.size()), 2);
    QVERIFY(torch::allclose(blocks[1], full.latent, 1e-5, 1e-6));
    QVERIFY(!torch::allclose(blocks[0], full.latent, 1e-3, 1e-3));

    // -TL: time and location change the tokens; either may be omitted.
    PrithviMae tl(PrithviConfig::byName("tiny_test_tl"));
    Coords coords;
    coords.temporal = torch::tensor({2019.f, 10.f, 2019.f, 200.f, 2022.f, 5.f, 2022.f, 90.f}).view({2, 2, 2});
    coords.location = torch::tensor({10.f, 20.f, -40.f, 170.f}).view({2, 2});
    const auto withCoords = tl->forward(x, coords, std::nullopt, noise);
    const auto without = tl->forward(x, {}, std::nullopt, noise);
    Coords timeOnly;
    timeOnly.temporal = coords.temporal;
    const auto withTime = tl->forward(x, timeOnly, std::nullopt, noise);
    QVERIFY(!torch::allclose(withCoords.pred, without.pred));
    QVERIFY(!torch::allclose(withTime.pred, without.pred) && !torch::allclose(withTime.pred, withCoords.pred));
    Coords wrongT;
    wrongT.temporal = torch::zeros({2, 3, 2});
    QCOMPARE(kindOf([&] { tl->forward(x, wrongT); }), ErrorKind::BadInput);
  }

  void stateDictRoundTrip() {
    const auto cfg = PrithviConfig::byName("tiny_test_tl");
    PrithviMae a(cfg), b(cfg);
    const auto sd = toStateDict(*a);
    QCOMPARE(int(sd.size()), int(a->named_parameters().size() + a->named_buffers().size()));
    CheckpointLoadOptions strict;
    strict.strict = true;
    const auto report = loadIntoModule(*b, sd, strict);
    QCOMPARE(int(report.ignored.size()), 2);  // the recomputed pos-embed tables
    QVERIFY(report.missing.empty() && report.unexpected.empty());
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({1, 6, 2, 32, 32});
    const auto noise = torch::rand({1, 32});
    QVERIFY(torch::equal(a->forward(x, {}, std::nullopt, noise).pred, b->forward(x, {}, std::nullopt, noise).pred));
    // Encoder alone from the full dict by prefix.
    PrithviEncoder enc(cfg);
    CheckpointLoadOptions encOnly = strict;
    encOnly.prefix = "encoder.";
    QVERIFY(loadIntoModule(*enc, sd, encOnly).missing.empty());
    QVERIFY(torch::equal(enc->forwardFeatures(x), a->encoder->forwardFeatures(x)));
    // Missing keys (strict) and shape mismatches are errors.
    StateDict partial;
    partial.tensors.assign(sd.tensors.begin(), sd.tensors.begin() + 5);
    QCOMPARE(kindOf([&] { loadIntoModule(*b, partial, strict); }), ErrorKind::BadInput);
    QVERIFY(!loadIntoModule(*b, partial).missing.empty());
    StateDict wrong = sd;
    for (auto& [k, t] : wrong.tensors)
      if (k == "encoder.norm.weight") t = torch::ones({65});
    QCOMPARE(kindOf([&] { loadIntoModule(*b, wrong, strict); }), ErrorKind::BadInput);
  }

  // Neck channel orders (spec 1.10: d*T + t; 1.11: t*E + e) and head output shapes.
  void headsShapesAndChannelOrder() {
    const TokenGrid g{3, 2, 2};
    const int64_t d = 5;
    const auto tokens = torch::randn({2, 1 + g.tokens(), d});
    const auto v1 = tokensToEmbeddingV1(tokens, g);
    const auto v2 = tokensToImage(tokens, g);
    QCOMPARE(v1.sizes().vec(), (std::vector<int64_t>{2, d * 3, 2, 2}));
    QCOMPARE(v2.sizes().vec(), (std::vector<int64_t>{2, 3 * d, 2, 2}));
    for (int64_t t = 0; t < 3; ++t)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t w = 0; w < 2; ++w)
          for (int64_t e = 0; e < d; ++e) {
            const float v = tokens[1][1 + (t * 2 + h) * 2 + w][e].item<float>();
            QCOMPARE(v1[1][e * 3 + t][h][w].item<float>(), v);
            QCOMPARE(v2[1][t * d + e][h][w].item<float>(), v);
          }

    const auto cfg = PrithviConfig::byName("tiny_test");
    const auto x = torch::randn({2, 6, 2, 32, 32});
    SegmentationOptions fcn;
    fcn.arch = SegmentationArch::FcnV1;
    fcn.numClasses = 3;
    SegmentationModel segV1(cfg, fcn);
    QCOMPARE(segV1->forward(x).sizes().vec(), (std::vector<int64_t>{2, 3, 32, 32}));
    QCOMPARE(segV1->neck->inChannels, int64_t(128));  // D * T
    // Names as in the mmseg checkpoints.
    std::set<std::string> names;
    for (const auto& p : segV1->named_parameters()) names.insert(p.key());
    for (const auto& b : segV1->named_buffers()) names.insert(b.key());
    for (const char* k : {"neck.fpn1.0.weight", "neck.fpn1.1.ln.weight", "neck.fpn1.3.weight", "neck.fpn2.3.bias",
                          "decode_head.convs.0.conv.weight", "decode_head.convs.0.bn.running_mean",
                          "decode_head.conv_seg.weight", "encoder.blocks.1.mlp.fc2.weight"})
      QVERIFY2(names.count(k), k);
    QVERIFY(!names.count("decode_head.convs.0.conv.bias"));

    SegmentationOptions uper;
    uper.numClasses = 4;
    SegmentationModel segV2(cfg, uper);
    QVERIFY(segV2->opts.blockIndices == (std::vector<int64_t>{0, 0, 0, 1}));
    QVERIFY(defaultBlockIndices(12) == (std::vector<int64_t>{2, 5, 8, 11}));
    QVERIFY(defaultBlockIndices(24) == (std::vector<int64_t>{5, 11, 17, 23}));
    QVERIFY(defaultBlockIndices(32) == (std::vector<int64_t>{7, 15, 23, 31}));
    QCOMPARE(segV2->forward(x).sizes().vec(), (std::vector<int64_t>{2, 4, 32, 32}));
    segV2->eval();
    const auto logits = segV2->predict(torch::randn({1, 6, 2, 48, 64}));
    QCOMPARE(logits.sizes().vec(), (std::vector<int64_t>{1, 4, 48, 64}));
    names.clear();
    for (const auto& p : segV2->named_parameters()) names.insert(p.key());
    for (const char* k : {"decoder.fpn1.0.weight", "decoder.fpn1.1.weight", "decoder.fpn1.3.weight", "decoder.fpn2.0.weight",
                          "decoder.psp_modules.3.1.conv.weight", "decoder.bottleneck.norm.weight",
                          "decoder.lateral_convs.2.conv.weight", "decoder.fpn_convs.0.norm.bias",
                          "decoder.fpn_bottleneck.conv.weight", "head.head.2.weight"})
      QVERIFY2(names.count(k), k);
    // UperNet internals: scale modules give x4, x2, x1, /2 of the token grid.
    UperNetDecoder dec(std::vector<int64_t>(4, 32), 16);
    const auto f = torch::randn({2, 32, 4, 4});
    QCOMPARE(dec->forward({f, f, f, f}).sizes().vec(), (std::vector<int64_t>{2, 16, 16, 16}));
    // The frame count is fixed by the neck width.
    QCOMPARE(kindOf([&] { segV2->forward(torch::randn({1, 6, 3, 32, 32})); }), ErrorKind::BadInput);
  }

  void frozenEncoderGetsNoGradients() {
    const auto cfg = PrithviConfig::byName("tiny_test");
    const auto x = torch::randn({2, 6, 2, 32, 32});
    const auto labels = torch::randint(0, 2, {2, 32, 32}, torch::kLong);
    for (const auto arch : {SegmentationArch::FcnV1, SegmentationArch::UperNet}) {
      for (const bool freeze : {true, false}) {
        SegmentationOptions o;
        o.arch = arch;
        o.freezeEncoder = freeze;
        SegmentationModel m(cfg, o);
        m->train();
        const auto loss = torch::nn::functional::cross_entropy(m->forward(x), labels);
        loss.backward();
        int withGrad = 0;
        for (const auto& p : m->encoder->parameters()) {
          QCOMPARE(p.requires_grad(), !freeze);
          withGrad += (p.grad().defined() && p.grad().abs().sum().item<float>() > 0) ? 1 : 0;
        }
        if (freeze)
          QCOMPARE(withGrad, 0);
        else
          QVERIFY(withGrad > 0);
        int headGrads = 0;
        for (const auto& item : m->named_parameters()) {
          if (item.key().rfind("encoder.", 0) == 0) continue;
          headGrads += item.value().grad().defined() ? 1 : 0;
        }
        QVERIFY(headGrads > 0);
      }
    }
  }

  // Spec 5.4: token masked if any pixel is cloudy; masked tokens replaced by the prediction.
  void gapFillReplacesOnlyHiddenTokens() {
    const auto cfg = PrithviConfig::byName("tiny_test");
    PrithviMae mae(cfg);
    mae->eval();
    const auto x = torch::randn({2, 6, 2, 32, 32});
    auto clouds = torch::zeros({2, 2, 32, 32});
    clouds[0][1][9][17] = 1;                                      // one pixel: token (1, 1, 2)
    clouds[1].slice(0, 0, 1).slice(1, 0, 16).slice(2, 0, 16) = 1;  // frame 0, top-left quarter: 4 tokens
    const auto tokenMask = tokenMaskFromPixelMask(clouds, 1, 8);
    QCOMPARE(tokenMask.sizes().vec(), (std::vector<int64_t>{2, 32}));
    QCOMPARE(tokenMask[0].sum().item<float>(), 1.f);
    QCOMPARE(tokenMask[0][16 + 1 * 4 + 2].item<float>(), 1.f);
    QCOMPARE(tokenMask[1].sum().item<float>(), 4.f);
    // Different hidden counts per sample: run one at a time.
    const auto r = reconstructMasked(*mae, x, tokenMask);
    QCOMPARE(r.filled.sizes(), x.sizes());
    const auto hiddenPix = unpatchify(tokenMask.unsqueeze(-1).expand({2, 32, 384}), 6, {2, 4, 4}, 1, 8) > 0.5;
    QVERIFY(torch::equal(r.filled.masked_select(~hiddenPix), x.masked_select(~hiddenPix)));
    QVERIFY(torch::equal(r.filled.masked_select(hiddenPix), r.prediction.masked_select(hiddenPix)));
    QVERIFY(!torch::equal(r.filled, x));
    // The batched path (equal counts) gives the same per-sample results.
    const auto same = torch::stack({tokenMask[1], tokenMask[1]});
    const auto batched = reconstructMasked(*mae, x, same);
    const auto single = reconstructMasked(*mae, x.slice(0, 1, 2), tokenMask.slice(0, 1, 2));
    QVERIFY(torch::allclose(batched.filled.slice(0, 1, 2), single.filled, 1e-5, 1e-5));
    QVERIFY(std::isfinite(batched.loss.item<float>()));
    // The MAE with this explicit mask reports exactly that mask.
    torch::NoGradGuard noGrad;
    QVERIFY(torch::equal(mae->forwardMasked(x, MaskSpec::fromTokens(same)).mask, same));
  }

  // The programs link the OpenMP build of OpenBLAS: one thread pool with ATen. This fails when
  // a test or program loads a BLAS whose own pthreads fight ATen's OpenMP threads.
  void blasSharesAtenThreads() {
    const BlasThreading blas = blasThreading();
    qInfo("BLAS %s (%s, %d threads), ATen %d threads", blas.library.c_str(), blasThreadsName(blas.threads),
          blas.blasThreadCount, blas.atenThreadCount);
    QVERIFY2(blas.library.find("openblas-openmp") != std::string::npos, blas.library.c_str());
    QCOMPARE(QString(blasThreadsName(blas.threads)), QStringLiteral("openmp"));
    QVERIFY(!blas.contended);
    QVERIFY(blas.warning.empty());
  }

  void threadDefaults() {
    QVERIFY(physicalCores() >= 1);
    QVERIFY(physicalCores() <= int(std::thread::hardware_concurrency()));
    const QByteArray omp = qgetenv("OMP_NUM_THREADS"), local = qgetenv("LOCAL_WORLD_SIZE");
    qunsetenv("OMP_NUM_THREADS");
    qunsetenv("LOCAL_WORLD_SIZE");
    QCOMPARE(defaultCpuThreads(0), physicalCores());
    QCOMPARE(defaultCpuThreads(3), 3);
    qputenv("LOCAL_WORLD_SIZE", "64");  // more ranks than cores: one thread each
    QCOMPARE(defaultCpuThreads(0), 1);
    qputenv("OMP_NUM_THREADS", "5");  // the user's setting wins over the default
    QCOMPARE(defaultCpuThreads(0), 5);
    qputenv("OMP_NUM_THREADS", "x");  // not a number: ignored
    QCOMPARE(defaultCpuThreads(0), 1);
    const auto restore = [](const char* name, const QByteArray& value) {
      if (value.isNull()) qunsetenv(name);
      else qputenv(name, value);
    };
    restore("OMP_NUM_THREADS", omp);
    restore("LOCAL_WORLD_SIZE", local);
    const int before = at::get_num_threads();
    QCOMPARE(configureCpuThreads(1), 1);
    QCOMPARE(at::get_num_threads(), 1);
    configureCpuThreads(before);
  }

  void precisionsAreNamedAndChecked() {
    QCOMPARE(int(parsePrecision("fp32")), int(Precision::Float32));
    QCOMPARE(int(parsePrecision("bf16")), int(Precision::BFloat16));
    QCOMPARE(int(parsePrecision("int8")), int(Precision::Int8));
    QCOMPARE(kindOf([] { parsePrecision("fp8"); }), ErrorKind::Usage);
    QCOMPARE(QString(precisionName(Precision::BFloat16)), QStringLiteral("bf16"));
    QCOMPARE(kindOf([] { requirePrecision(Precision::Int8, torch::Device(torch::kCUDA)); }), ErrorKind::Usage);
    const CpuFeatures cpu = cpuFeatures();
    const bool bf16 = cpu.avx512Bf16 || cpu.amxBf16;
    QCOMPARE(kindOf([] { requirePrecision(Precision::BFloat16, torch::Device(torch::kCPU)); }),
             bf16 ? ErrorKind::Canceled : ErrorKind::Usage);  // Canceled: nothing thrown
  }

  // Packed bf16 and int8 Linear layers give the fp32 encoder's features within their rounding;
  // going back to fp32 gives exactly the fp32 result again (the weights were never touched).
  void packedLinearsFollowTheFp32Encoder() {
    PrithviConfig config = PrithviConfig::byName("tiny_test");
    PrithviMae mae(config);
    mae->eval();
    torch::InferenceMode mode;
    const auto pixels = torch::randn({2, config.inChans, config.numFrames, config.imgSize, config.imgSize});
    const auto reference = mae->encoder->forwardFeatures(pixels);
    const CpuFeatures cpu = cpuFeatures();
    std::vector<std::pair<Precision, double>> cases = {{Precision::Int8, 0.05}};
    if (cpu.avx512Bf16 || cpu.amxBf16) cases.emplace_back(Precision::BFloat16, 0.05);
    else qInfo("no AVX512_BF16/AMX here: the bf16 case is not run");
    for (const auto& [precision, tolerance] : cases) {
      QCOMPARE(setLinearPrecision(*mae, precision, torch::kCPU), 4 * int(config.depth + config.decoderDepth));
      QVERIFY(mae->encoder->blockList.front()->attn->qkvPacked != nullptr);
      const auto features = mae->encoder->forwardFeatures(pixels);
      QCOMPARE(features.scalar_type(), torch::kFloat32);
      const double error = ((features - reference).norm() / reference.norm()).item<double>();
      qInfo("%s encoder features: relative L2 error %.2e", precisionName(precision), error);
      QVERIFY2(error < tolerance, precisionName(precision));
      QVERIFY(error > 0);  // the packed path really ran
      QCOMPARE(setLinearPrecision(*mae, Precision::Float32, torch::kCPU), 0);
      QVERIFY(torch::equal(mae->encoder->forwardFeatures(pixels), reference));
    }
  }

  void runtimeHelpers() {
    const int before = at::get_num_threads();
    QCOMPARE(setIntraOpThreads(1), 1);
    QCOMPARE(setIntraOpThreads(0), 1);  // 0 keeps the current count
    setIntraOpThreads(before);
    {
      Bf16Autocast cpu(torch::Device(torch::kCPU));  // fp32 on the CPU unless bf16 is asked for
      QVERIFY(!cpu.active());
    }
    {
      Bf16Autocast cpuBf16(torch::Device(torch::kCPU), Precision::BFloat16);
      QVERIFY(cpuBf16.active());
      const auto product = torch::matmul(torch::randn({4, 8}), torch::randn({8, 4}));
      QCOMPARE(product.scalar_type(), torch::kBFloat16);
    }
    QCOMPARE(torch::matmul(torch::randn({4, 8}), torch::randn({8, 4})).scalar_type(), torch::kFloat32);
    if (torch::cuda::is_available()) {
      PrithviMae mae(PrithviConfig::byName("tiny_test"));
      mae->to(torch::kCUDA);
      Bf16Autocast on(torch::Device(torch::kCUDA));
      QVERIFY(on.active());
      c10::InferenceMode guard;
      const auto out = mae->forward(torch::randn({2, 6, 2, 32, 32}, torch::kCUDA));
      QVERIFY(std::isfinite(out.loss.item<float>()));
    }
  }
};

QTEST_GUILESS_MAIN(TestModel)
#include "test_model.moc"
