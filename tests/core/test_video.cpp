// MP4 export of frames through OpenCV's FFmpeg backend: the file plays back with the frames' count,
// size (padded to even) and colours; a cancel or bad frames leave an older file as it was.
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <iterator>

#include <opencv2/videoio.hpp>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/render/Video.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

// A frame of one colour with a white square that moves with `index`.
RgbFrame frame(int width, int height, int index) {
  RgbFrame f{width, height, std::vector<uint8_t>(size_t(width) * height * 3)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* p = f.rgb.data() + (size_t(y) * width + x) * 3;
      const bool square = x >= index * 4 && x < index * 4 + 8 && y >= 4 && y < 12;
      p[0] = square ? 255 : 200;
      p[1] = square ? 255 : 40;
      p[2] = square ? 255 : 30;
    }
  return f;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

class TestVideo : public QObject {
  Q_OBJECT
  QTemporaryDir mDir;

 private Q_SLOTS:
  void framesPlayBack() {
    std::vector<RgbFrame> frames;
    for (int i = 0; i < 6; ++i) frames.push_back(frame(61, 33, i));
    const std::string path = mDir.filePath("dates.mp4").toStdString();
    Feedback feedback;
    int64_t lastStep = 0;
    feedback.setProgressCallback([&](int64_t step, int64_t total, const std::string&) {
      QCOMPARE(total, int64_t(6));
      lastStep = step;
    });
    const std::string codec = writeMp4(path, frames, 2.5, &feedback);
    qInfo("codec: %s, %zu bytes", codec.c_str(), readAll(path).size());
    QCOMPARE(lastStep, int64_t(6));
    QCOMPARE(readAll(path).substr(4, 4), std::string("ftyp"));
    cv::VideoCapture capture(path, cv::CAP_FFMPEG);
    QVERIFY(capture.isOpened());
    int count = 0;
    cv::Mat bgr;
    while (capture.read(bgr)) {
      QCOMPARE(bgr.cols, 62);  // padded to even
      QCOMPARE(bgr.rows, 34);
      if (count == 0) {
        const cv::Vec3b background = bgr.at<cv::Vec3b>(25, 40);  // BGR of (200, 40, 30)
        QVERIFY2(std::abs(background[2] - 200) < 24 && std::abs(background[1] - 40) < 24 && std::abs(background[0] - 30) < 24,
                 qPrintable(QString("%1 %2 %3").arg(background[2]).arg(background[1]).arg(background[0])));
      }
      ++count;
    }
    QCOMPARE(count, 6);
  }

  void aCancelOrBadFramesKeepTheOlderFile() {
    const std::string path = mDir.filePath("old.mp4").toStdString();
    writeMp4(path, {frame(16, 16, 0)}, 1);
    const std::string before = readAll(path);
    Feedback canceled;
    canceled.cancel();
    test::expectError(ErrorKind::Canceled, [&] { writeMp4(path, {frame(16, 16, 0), frame(16, 16, 1)}, 1, &canceled); });
    test::expectError(ErrorKind::Usage, [&] { writeMp4(path, {frame(16, 16, 0), frame(18, 16, 1)}, 1); }, "differ");
    test::expectError(ErrorKind::Usage, [&] { writeMp4(path, {}, 1); }, "at least one frame");
    test::expectError(ErrorKind::Usage, [&] { writeMp4(path, {frame(16, 16, 0)}, 0); }, "frame rate");
    QCOMPARE(readAll(path), before);
    QCOMPARE(QDir(mDir.path()).entryList(QDir::Files | QDir::Hidden).size(), qsizetype(2));  // no leftovers
  }
};

QTEST_GUILESS_MAIN(TestVideo)
#include "test_video.moc"
