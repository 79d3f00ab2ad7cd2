#pragma once
// Force-included (-include) into every fuzz source; not part of the program. A problem of
// clang 14 with GCC 12's libstdc++ in C++20 mode, which the main (GCC) build does not have:
// LibTorch 1.13's headers do not compile (ATen/core/List.h holds std::vector<IValue> before
// IValue is complete, and clang instantiates the C++20 constexpr ~vector eagerly). The sources
// that include them are built as C++17 here (tests/fuzz/CMakeLists.txt); the one C++20 name they
// use, std::endian, is supplied below for them. Mixing C++17 and C++20 objects of one libstdc++
// is supported.

#include <type_traits>  // defines __GLIBCXX__ for the test below

#if defined(__clang__) && defined(__GLIBCXX__) && __cplusplus < 202002L
namespace std {
enum class endian { little = __ORDER_LITTLE_ENDIAN__, big = __ORDER_BIG_ENDIAN__, native = __BYTE_ORDER__ };
}  // namespace std
#endif
