// Ranks come from torchrun's variables or, without them, from Slurm's.

#include <QTest>

#include <cstdlib>

#include "core/base/Error.h"
#include "tests/support/TestSupport.h"
#include "training/distributed/Communicator.h"

using namespace prithvi;
using namespace prithvi::distributed;

class TestDistributedEnv : public QObject {
  Q_OBJECT

  static void clear() {
    for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID",
                             "SLURM_NTASKS", "SLURM_LOCALID"})
      ::unsetenv(name);
  }

 private Q_SLOTS:
  void init() { clear(); }
  void cleanup() { clear(); }

  void aloneWithoutVariables() {
    const DistributedEnv env = DistributedEnv::fromEnvironment();
    QCOMPARE(env.worldSize, 1);
    QVERIFY(!env.enabled());
  }

  void torchrunVariables() {
    ::setenv("RANK", "3", 1);
    ::setenv("WORLD_SIZE", "8", 1);
    ::setenv("LOCAL_RANK", "1", 1);
    ::setenv("MASTER_ADDR", "node07", 1);
    ::setenv("MASTER_PORT", "29511", 1);
    const DistributedEnv env = DistributedEnv::fromEnvironment();
    QCOMPARE(env.rank, 3);
    QCOMPARE(env.worldSize, 8);
    QCOMPARE(env.localRank, 1);
    QCOMPARE(env.masterAddress, std::string("node07"));
    QCOMPARE(env.masterPort, 29511);
  }

  void slurmVariables() {
    ::setenv("SLURM_PROCID", "5", 1);
    ::setenv("SLURM_NTASKS", "6", 1);
    ::setenv("SLURM_LOCALID", "2", 1);
    ::setenv("MASTER_PORT", "29600", 1);
    const DistributedEnv env = DistributedEnv::fromEnvironment();
    QCOMPARE(env.rank, 5);
    QCOMPARE(env.worldSize, 6);
    QCOMPARE(env.localRank, 2);
    QVERIFY(env.enabled());
  }

  void inconsistentSettingsAreRefused() {
    ::setenv("RANK", "4", 1);
    ::setenv("WORLD_SIZE", "4", 1);
    ::setenv("MASTER_PORT", "29600", 1);
    QVERIFY(test::expectError(ErrorKind::Usage, [] { DistributedEnv::fromEnvironment(); }).find("outside") != std::string::npos);
    ::setenv("RANK", "1", 1);
    ::unsetenv("MASTER_PORT");
    QVERIFY(test::expectError(ErrorKind::Usage, [] { DistributedEnv::fromEnvironment(); }).find("MASTER_PORT") !=
            std::string::npos);
    ::setenv("MASTER_PORT", "http", 1);
    QVERIFY(!test::expectError(ErrorKind::Usage, [] { DistributedEnv::fromEnvironment(); }).empty());
  }
};

QTEST_GUILESS_MAIN(TestDistributedEnv)
#include "test_distributed_env.moc"
