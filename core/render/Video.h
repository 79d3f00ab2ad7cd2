#pragma once
// MP4 video of image frames (the date grid's animation), encoded in-process by OpenCV's FFmpeg
// backend: H.264 where the FFmpeg build has it, MPEG-4 Part 2 otherwise. No ffmpeg program needed.

#include <cstdint>
#include <string>
#include <vector>

namespace prithvi {

class Feedback;

// One frame: width * height pixels, 3 bytes each (red, green, blue), row-major.
struct RgbFrame {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;
};

// Writes `frames` (all the same size) as an MP4 at `fps` frames per second to `path`, replacing an
// older file only once the new one is complete. Odd sizes are padded by a black row or column
// (the codecs need even ones). Progress per frame on `feedback`; Error(Canceled) leaves no file.
// Returns the codec used ("H.264" or "MPEG-4"). Error(Usage) for no frames, frames of different
// sizes or fps outside 0.1..120; Error(Io) when no encoder is available or writing fails.
std::string writeMp4(const std::string& path, const std::vector<RgbFrame>& frames, double fps,
                     Feedback* feedback = nullptr);

}  // namespace prithvi
