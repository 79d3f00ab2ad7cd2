#include "core/render/Video.h"

#include <cstdio>
#include <filesystem>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"

namespace prithvi {

std::string writeMp4(const std::string& path, const std::vector<RgbFrame>& frames, double fps, Feedback* feedback) {
  if (frames.empty()) throwUsage("a video needs at least one frame");
  if (!(fps >= 0.1 && fps <= 120)) throwUsage("video frame rate " + std::to_string(fps) + " is outside 0.1 .. 120");
  const int width = frames.front().width, height = frames.front().height;
  for (const RgbFrame& frame : frames)
    if (frame.width != width || frame.height != height || frame.width <= 0 || frame.height <= 0 ||
        frame.rgb.size() != size_t(width) * size_t(height) * 3)
      throwUsage("the video's frames differ in size or hold the wrong number of bytes");
  const cv::Size size(width + width % 2, height + height % 2);

  // FFmpeg picks the container from the name, so the temporary file keeps the .mp4 ending.
  const std::string temporary = temporaryPathFor(path) + ".mp4";
  cv::VideoWriter writer;
  std::string codec;
  for (const auto& [fourcc, name] : {std::pair{cv::VideoWriter::fourcc('a', 'v', 'c', '1'), "H.264"},
                                     std::pair{cv::VideoWriter::fourcc('m', 'p', '4', 'v'), "MPEG-4"}}) {
    if (writer.open(temporary, cv::CAP_FFMPEG, fourcc, fps, size, true)) {
      codec = name;
      break;
    }
  }
  if (!writer.isOpened()) {
    std::filesystem::remove(temporary);
    throwIo("cannot write " + path + ": this OpenCV has no MP4 encoder (its FFmpeg backend is missing)");
  }
  try {
    cv::Mat padded(size, CV_8UC3, cv::Scalar::all(0)), bgr;
    for (size_t i = 0; i < frames.size(); ++i) {
      throwIfCanceled(feedback);
      const cv::Mat rgb(height, width, CV_8UC3, const_cast<uint8_t*>(frames[i].rgb.data()));
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
      bgr.copyTo(padded(cv::Rect(0, 0, width, height)));
      writer.write(padded);
      reportProgress(feedback, int64_t(i + 1), int64_t(frames.size()), "encoding frame " + std::to_string(i + 1));
    }
    writer.release();
    std::error_code error;
    if (std::filesystem::file_size(temporary, error) == 0 || error) throwWriteFailure(path);
    replaceFile(temporary, path);
  } catch (...) {
    writer.release();
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
  return codec;
}

}  // namespace prithvi
