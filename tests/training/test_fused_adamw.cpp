// The fused AdamW equals LibTorch's AdamW (the arithmetic of torch.optim.AdamW) step by step,
// and its state round-trips.
#include <torch/torch.h>

#include <QTest>

#include "training/engine/FusedAdamW.h"

using namespace prithvi;

class TestFusedAdamW : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void matchesLibTorchAdamW() {
    torch::manual_seed(2);
    auto reference = torch::nn::Sequential(torch::nn::Linear(70, 300), torch::nn::GELU(), torch::nn::Linear(300, 5));
    auto fused = torch::nn::Sequential(torch::nn::Linear(70, 300), torch::nn::GELU(), torch::nn::Linear(300, 5));
    {
      torch::NoGradGuard noGrad;
      for (size_t i = 0; i < fused->parameters().size(); ++i) fused->parameters()[i].copy_(reference->parameters()[i]);
    }
    torch::optim::AdamW libtorch(reference->parameters(), torch::optim::AdamWOptions(3e-3).weight_decay(0.05));
    engine::AdamWOptions options;
    options.lr = 3e-3;
    options.weightDecay = 0.05;
    engine::FusedAdamW ours(fused->parameters(), options);
    for (int step = 0; step < 6; ++step) {
      const auto x = torch::randn({16, 70});
      libtorch.zero_grad();
      reference->forward(x).pow(2).mean().backward();
      libtorch.step();
      ours.zeroGrad();
      fused->forward(x).pow(2).mean().backward();
      ours.step();
      for (size_t i = 0; i < fused->parameters().size(); ++i)
        QVERIFY(torch::allclose(fused->parameters()[i], reference->parameters()[i], 1e-5, 1e-6));
    }
    QCOMPARE(ours.stepCount(), int64_t(6));
  }

  void stateRoundTrips() {
    torch::manual_seed(3);
    auto net = torch::nn::Linear(10, 4);
    engine::FusedAdamW a(net->parameters(), {});
    net->forward(torch::randn({3, 10})).sum().backward();
    a.step();
    engine::FusedAdamW b(net->parameters(), {});
    b.loadState(a.state());
    QCOMPARE(b.stepCount(), int64_t(1));
    QVERIFY(torch::equal(b.state()[0].second, a.state()[0].second));
    auto incomplete = a.state();
    incomplete.pop_back();
    QVERIFY_THROWS_EXCEPTION(std::exception, b.loadState(incomplete));
  }
};

QTEST_APPLESS_MAIN(TestFusedAdamW)
#include "test_fused_adamw.moc"
