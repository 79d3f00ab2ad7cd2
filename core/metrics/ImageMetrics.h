#pragma once
// Accuracy of reconstructed images over masked pixels, as the cloud-gap imputation studies
// report it (spec §5.4): mean absolute error, mean squared error and PSNR on reflectance
// (data range 1.0), and SSIM (Gaussian window 11, sigma 1.5, K1 0.01, K2 0.03) averaged over
// the masked pixels of each plane.

#include <cstdint>
#include <string>

namespace prithvi {

class ImageMetrics {
 public:
  // One plane (a band of a date) of `width` x `height` reflectances; pixels with mask != 0 count.
  void addPlane(const float* predicted, const float* truth, const uint8_t* mask, int width, int height);
  void merge(const ImageMetrics& other);

  int64_t pixels() const { return mPixels; }
  double meanAbsoluteError() const;
  double meanSquaredError() const;
  double psnr() const;  // 10 log10(1 / MSE)
  double ssim() const;
  std::string toJson() const;  // {"pixels", "mae", "mse", "psnr", "ssim"}

 private:
  int64_t mPixels = 0;
  double mAbsolute = 0;
  double mSquared = 0;
  double mSsim = 0;
};

}  // namespace prithvi
