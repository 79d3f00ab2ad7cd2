#pragma once
// Force-included (-include) into every fuzz source; not part of the program. Two problems of
// clang 14 with GCC 12's libstdc++ in C++20 mode, which the main (GCC) build does not have.
//
// 1. LibTorch 1.13's headers do not compile (ATen/core/List.h holds std::vector<IValue> before
// IValue is complete, and clang instantiates the C++20 constexpr ~vector eagerly). The sources
// that include them are built as C++17 here (tests/fuzz/CMakeLists.txt); the one C++20 name they
// use, std::endian, is supplied below for them. Mixing C++17 and C++20 objects of one libstdc++
// is supported.
//
// 2. training/model/Json.h does not compile either: `struct Json` holds
// std::vector<std::pair<std::string, Json>>, and instantiating that pair evaluates the
// explicit(bool) of its default constructor, which asks whether Json is implicitly
// default-constructible, which instantiates ~vector<pair<...>> while the pair is still incomplete
// ("arithmetic on a pointer to an incomplete type"). Later clang releases defer that
// instantiation. Answering the question up front breaks the cycle; the answer is the one GCC
// computes (Json j = {}; is valid), and it only decides whether pair's default constructor is
// explicit, so layout and ABI are untouched.

#include <type_traits>

namespace prithvi::model {
struct Json;
}

#if defined(__clang__) && defined(__GLIBCXX__) && __cplusplus < 202002L
namespace std {
enum class endian { little = __ORDER_LITTLE_ENDIAN__, big = __ORDER_BIG_ENDIAN__, native = __BYTE_ORDER__ };
}  // namespace std
#endif

#if defined(__clang__) && defined(__GLIBCXX__)
namespace std {
template <>
struct __is_implicitly_default_constructible<prithvi::model::Json> : true_type {};
}  // namespace std
#endif
