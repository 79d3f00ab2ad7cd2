#pragma once
// Reflectance against wavelength for one observation: the spectral signature at a date.

#include <QWidget>
#include <optional>

#include "core/timeseries/PixelProfile.h"

namespace prithvi {

class SpectralProfileChart : public QWidget {
  Q_OBJECT
 public:
  explicit SpectralProfileChart(QWidget* parent = nullptr);
  void setObservation(const std::optional<Observation>& observation);
  QSize sizeHint() const override { return {240, 200}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::optional<Observation> mObservation;
};

// Centre wavelengths (micrometres) of Prithvi's six HLS bands, OLI/MSI harmonised.
constexpr double kBandWavelengths[6] = {0.482, 0.561, 0.655, 0.865, 1.609, 2.201};

}  // namespace prithvi
