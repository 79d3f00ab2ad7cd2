#include "training/model/PositionEmbedding.h"

#include <torch/torch.h>

#include "core/base/Error.h"

namespace prithvi::model {

namespace {

// (M, dim) float64 on the positions' device.
torch::Tensor sinCos64(int64_t dim, const torch::Tensor& positions) {
  if (dim <= 0 || dim % 2 != 0)
    throwUsage("sin-cos encoding: dimension must be positive and even, got " + std::to_string(dim));
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64).device(positions.device());
  const auto half = dim / 2;
  auto omega = torch::arange(half, opts) / static_cast<double>(half);
  omega = 1.0 / torch::pow(10000.0, omega);
  const auto pos = positions.reshape({-1}).to(torch::kFloat64);
  const auto out = torch::outer(pos, omega);  // (M, D/2)
  return torch::cat({torch::sin(out), torch::cos(out)}, 1);
}

}  // namespace

torch::Tensor get1dSinCos(int64_t dim, const torch::Tensor& positions) {
  return sinCos64(dim, positions).to(torch::kFloat32);
}

torch::Tensor get3dSinCos(int64_t dim, const TokenGrid& grid, bool clsRow) {
  if (dim % 16 != 0) throwUsage("3D sin-cos position embedding: dimension must be divisible by 16");
  if (grid.t <= 0 || grid.h <= 0 || grid.w <= 0) throwUsage("3D sin-cos position embedding: empty grid");
  const int64_t wDim = dim / 16 * 6, hDim = dim / 16 * 6, tDim = dim / 16 * 4;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const auto embW = sinCos64(wDim, torch::arange(grid.w, opts));  // (Wp, wDim)
  const auto embH = sinCos64(hDim, torch::arange(grid.h, opts));  // (Hp, hDim)
  const auto embT = sinCos64(tDim, torch::arange(grid.t, opts));  // (T', tDim)
  // Broadcast to the (t, h, w) grid, w fastest.
  const auto w = embW.view({1, 1, grid.w, wDim}).expand({grid.t, grid.h, grid.w, wDim});
  const auto h = embH.view({1, grid.h, 1, hDim}).expand({grid.t, grid.h, grid.w, hDim});
  const auto t = embT.view({grid.t, 1, 1, tDim}).expand({grid.t, grid.h, grid.w, tDim});
  auto table = torch::cat({w, h, t}, 3).reshape({grid.tokens(), dim});
  if (clsRow) table = torch::cat({torch::zeros({1, dim}, opts), table}, 0);
  return table.to(torch::kFloat32).contiguous();
}

torch::Tensor temporalSinCos(int64_t dim, const torch::Tensor& coords) {
  if (coords.dim() != 3 || coords.size(2) != 2)
    throwBadInput("temporal coordinates must have shape (B, T, 2) = [year, day of year]");
  const int64_t b = coords.size(0), t = coords.size(1);
  const int64_t yearDim = dim / 2, dayDim = dim - yearDim;
  const auto year = sinCos64(yearDim, coords.select(2, 0)).view({b, t, yearDim});
  const auto day = sinCos64(dayDim, coords.select(2, 1)).view({b, t, dayDim});
  return torch::cat({year, day}, 2).to(torch::kFloat32);
}

torch::Tensor locationSinCos(int64_t dim, const torch::Tensor& coords) {
  if (coords.dim() != 2 || coords.size(1) != 2)
    throwBadInput("location coordinates must have shape (B, 2) = [lat, lon]");
  const int64_t b = coords.size(0);
  const int64_t latDim = dim / 2, lonDim = dim - latDim;
  const auto lat = sinCos64(latDim, coords.select(1, 0)).view({b, 1, latDim});
  const auto lon = sinCos64(lonDim, coords.select(1, 1)).view({b, 1, lonDim});
  return torch::cat({lat, lon}, 2).to(torch::kFloat32);
}

}  // namespace prithvi::model
