// Provides the {fmt} formatter of lowp::fp (a separate header, so that lowp's core needs no fmt).
//
//   fmt::format("{}", x)      the shortest decimal that reads back to x (as operator<<)
//   fmt::format("{:.3e}", x)  any other spec: fmt's double formatting of x's exact value
#pragma once

#include <fmt/format.h>

#include "lowp/fp.hpp"

template <lowp::format F, lowp::rounding Mode>
struct fmt::formatter<lowp::fp<F, Mode>> : fmt::formatter<double> {
  bool shortest = true;

  template <class ParseContext>
  constexpr auto parse(ParseContext& ctx) -> decltype(ctx.begin()) {
    shortest = ctx.begin() == ctx.end() || *ctx.begin() == '}';
    return fmt::formatter<double>::parse(ctx);
  }

  template <class FormatContext>
  auto format(lowp::fp<F, Mode> x, FormatContext& ctx) const -> decltype(ctx.out()) {
    if (shortest) {
      const std::string s = lowp::shortest_decimal(x.value(), F);
      return std::copy(s.begin(), s.end(), ctx.out());
    }
    return fmt::formatter<double>::format(x.value(), ctx);
  }
};
