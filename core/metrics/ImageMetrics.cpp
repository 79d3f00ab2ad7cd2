#include "core/metrics/ImageMetrics.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

namespace prithvi {

namespace {

constexpr double kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;  // (K * data range)^2 with range 1

// SSIM's local statistics: an 11-pixel Gaussian window, sigma 1.5 (Wang et al. 2004), edges
// clamped. OpenCV blurs; the SSIM stays ours because it is averaged over masked pixels only.
cv::Mat blur(const cv::Mat& image) {
  cv::Mat out;
  cv::GaussianBlur(image, out, cv::Size(11, 11), 1.5, 1.5, cv::BORDER_REPLICATE);
  return out;
}

}  // namespace

void ImageMetrics::addPlane(const float* predicted, const float* truth, const uint8_t* mask, int width, int height) {
  const size_t count = size_t(width) * size_t(height);
  bool any = false;
  for (size_t i = 0; i < count && !any; ++i) any = mask[i] != 0;
  if (!any) return;
  cv::Mat x, y;
  cv::Mat(height, width, CV_32F, const_cast<float*>(predicted)).convertTo(x, CV_64F);
  cv::Mat(height, width, CV_32F, const_cast<float*>(truth)).convertTo(y, CV_64F);
  const cv::Mat mx = blur(x), my = blur(y);
  const cv::Mat sxx = blur(x.mul(x)), syy = blur(y.mul(y)), sxy = blur(x.mul(y));
  const double *px = x.ptr<double>(), *py = y.ptr<double>(), *pmx = mx.ptr<double>(), *pmy = my.ptr<double>();
  const double *psxx = sxx.ptr<double>(), *psyy = syy.ptr<double>(), *psxy = sxy.ptr<double>();
  for (size_t i = 0; i < count; ++i) {
    if (!mask[i]) continue;
    const double difference = px[i] - py[i];
    mAbsolute += std::abs(difference);
    mSquared += difference * difference;
    const double mxi = pmx[i], myi = pmy[i];
    const double varX = psxx[i] - mxi * mxi, varY = psyy[i] - myi * myi, cov = psxy[i] - mxi * myi;
    mSsim += ((2 * mxi * myi + kC1) * (2 * cov + kC2)) / ((mxi * mxi + myi * myi + kC1) * (varX + varY + kC2));
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
