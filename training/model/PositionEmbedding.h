#pragma once
// Fixed sin-cos encodings of Prithvi (spec/prithvi.md sections 1.4 and 1.9).
//
// All tables are computed in float64 and returned as float32 (the official 3D table is built
// in numpy float64 and cast to float32 too; the official time/location encodings compute in
// the input's float type; float64 keeps e.g. sin(2020 * omega) exact to float32 rounding).

#include <cstdint>

#include <torch/types.h>

#include "training/model/PrithviConfig.h"

namespace prithvi::model {

// 1D encoding of positions (any shape, flattened to M values) into `dim` (even) values:
// omega_i = 10000^(-i / (dim/2)), i = 0..dim/2-1; row = [sin(pos*omega) | cos(pos*omega)]
// (all sines, then all cosines). Returns (M, dim) float32 on the positions' device.
torch::Tensor get1dSinCos(int64_t dim, const torch::Tensor& positions);

// 3D table for a (T', Hp, Wp) grid: dim split w 3D/8 | h 3D/8 | t D/4 (dim divisible by 16),
// each row [emb_w(w) | emb_h(h) | emb_t(t)], rows in (t, h, w) order with w fastest. With
// clsRow a zero row is prepended: shape (1 + T'Hp Wp, dim). float32 on the CPU.
torch::Tensor get3dSinCos(int64_t dim, const TokenGrid& grid, bool clsRow = true);

// Time encoding before scaling: coords (B, T, 2) = [year, day of year] (raw values as
// positions) -> (B, T, dim) = [sincos_{dim/2}(year) | sincos_{dim - dim/2}(doy)].
torch::Tensor temporalSinCos(int64_t dim, const torch::Tensor& temporalCoords);

// Location encoding before scaling: coords (B, 2) = [lat, lon] in degrees ->
// (B, 1, dim) = [sincos_{dim/2}(lat) | sincos_{dim - dim/2}(lon)].
torch::Tensor locationSinCos(int64_t dim, const torch::Tensor& locationCoords);

}  // namespace prithvi::model
