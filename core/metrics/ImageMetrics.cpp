#include "core/metrics/ImageMetrics.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

namespace prithvi {

namespace {

constexpr int kRadius = 5;  // an 11-pixel window
constexpr double kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;  // (K * data range)^2 with range 1

const std::array<double, 2 * kRadius + 1>& gaussian() {
  static const auto weights = [] {
    std::array<double, 2 * kRadius + 1> w{};
    double sum = 0;
    for (int i = -kRadius; i <= kRadius; ++i) sum += w[size_t(i + kRadius)] = std::exp(-i * i / (2 * 1.5 * 1.5));
    for (double& value : w) value /= sum;
    return w;
  }();
  return weights;
}

// Separable Gaussian blur with edges clamped.
std::vector<double> blur(const std::vector<double>& image, int width, int height) {
  const auto& w = gaussian();
  std::vector<double> rows(image.size()), out(image.size());
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      double sum = 0;
      for (int k = -kRadius; k <= kRadius; ++k) sum += w[size_t(k + kRadius)] * image[size_t(y) * width + std::clamp(x + k, 0, width - 1)];
      rows[size_t(y) * width + x] = sum;
    }
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      double sum = 0;
      for (int k = -kRadius; k <= kRadius; ++k) sum += w[size_t(k + kRadius)] * rows[size_t(std::clamp(y + k, 0, height - 1)) * width + x];
      out[size_t(y) * width + x] = sum;
    }
  return out;
}

}  // namespace

void ImageMetrics::addPlane(const float* predicted, const float* truth, const uint8_t* mask, int width, int height) {
  const size_t count = size_t(width) * size_t(height);
  bool any = false;
  for (size_t i = 0; i < count && !any; ++i) any = mask[i] != 0;
  if (!any) return;
  std::vector<double> x(predicted, predicted + count), y(truth, truth + count), xx(count), yy(count), xy(count);
  for (size_t i = 0; i < count; ++i) xx[i] = x[i] * x[i], yy[i] = y[i] * y[i], xy[i] = x[i] * y[i];
  const std::vector<double> mx = blur(x, width, height), my = blur(y, width, height);
  const std::vector<double> sxx = blur(xx, width, height), syy = blur(yy, width, height), sxy = blur(xy, width, height);
  for (size_t i = 0; i < count; ++i) {
    if (!mask[i]) continue;
    const double difference = x[i] - y[i];
    mAbsolute += std::abs(difference);
    mSquared += difference * difference;
    const double varX = sxx[i] - mx[i] * mx[i], varY = syy[i] - my[i] * my[i], cov = sxy[i] - mx[i] * my[i];
    mSsim += ((2 * mx[i] * my[i] + kC1) * (2 * cov + kC2)) / ((mx[i] * mx[i] + my[i] * my[i] + kC1) * (varX + varY + kC2));
    ++mPixels;
  }
}

void ImageMetrics::merge(const ImageMetrics& other) {
  mPixels += other.mPixels;
  mAbsolute += other.mAbsolute;
  mSquared += other.mSquared;
  mSsim += other.mSsim;
}

double ImageMetrics::meanAbsoluteError() const { return mPixels ? mAbsolute / double(mPixels) : std::nan(""); }
double ImageMetrics::meanSquaredError() const { return mPixels ? mSquared / double(mPixels) : std::nan(""); }
double ImageMetrics::psnr() const {
  const double mse = meanSquaredError();
  return mse > 0 ? 10 * std::log10(1.0 / mse) : (mse == 0 ? std::numeric_limits<double>::infinity() : std::nan(""));
}
double ImageMetrics::ssim() const { return mPixels ? mSsim / double(mPixels) : std::nan(""); }

std::string ImageMetrics::toJson() const {
  auto value = [](double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(); };
  return QJsonDocument(QJsonObject{{"pixels", double(mPixels)},
                                   {"mae", value(meanAbsoluteError())},
                                   {"mse", value(meanSquaredError())},
                                   {"psnr", value(psnr())},
                                   {"ssim", value(ssim())}})
      .toJson(QJsonDocument::Compact)
      .toStdString();
}

}  // namespace prithvi
