// Validation, builders, presets and descriptions of accumulation models.
#include "lowp/kernels/accumulation.hpp"

#include <string>
#include <tuple>

namespace lowp::kernels {

namespace {

std::string check_format(const char* what, const format& f) {
  const std::string v = f.validate();
  if (!v.empty()) return std::string(what) + " format: " + v;
  if (!f.fits_binary64()) return std::string(what) + " format does not fit binary64";
  return {};
}

const char* order_name(order_kind o) {
  switch (o) {
    case order_kind::sequential: return "seq";
    case order_kind::pairwise: return "pairwise";
    case order_kind::blocked: return "blocked";
    case order_kind::split_k: return "splitk";
  }
  return "?";
}

std::string fm(const format& f, rounding r) {
  return to_string(f) + "/" + std::string(short_name(r));
}

}  // namespace

std::string accumulation_model::validate() const {
  for (const auto& [what, f, used] :
       {std::tuple<const char*, const format&, bool>{"input", input, round_inputs},
        {"product", product, round_products},
        {"accumulator", accumulator, true},
        {"partial", partial, round_partials},
        {"combine", combine_format, wide_combine},
        {"output", output, true}}) {
    if (!used) continue;
    if (std::string e = check_format(what, f); !e.empty()) return e;
  }
  if (rbits < 1 || rbits > 64) return "rbits must lie in 1..64";
  if (group < 0 || group > 64) return "group must lie in 0..64";
  if (group > 0 && (group_bits < 1 || group_bits > 100)) return "group_bits must lie in 1..100";
  if (group > 0 && order == order_kind::pairwise) return "group sums need a sequential inner order";
  if ((order == order_kind::blocked || order == order_kind::split_k) && block < 1)
    return "blocked and split_k need block >= 1";
  if (order == order_kind::sequential || order == order_kind::pairwise) {
    if (round_partials || wide_combine) return "partials and wide combine need blocked or split_k";
  }
  return {};
}

namespace models {

accumulation_model sequential(const format& acc, rounding mode, const format& out) {
  accumulation_model m;
  m.accumulator = acc;
  m.accumulator_mode = mode;
  m.output = out;
  m.output_mode = rounding::nearest_even;
  return m;
}

accumulation_model with_inputs(accumulation_model m, const format& in, rounding mode) {
  m.round_inputs = true;
  m.input = in;
  m.input_mode = mode;
  return m;
}

accumulation_model unfused(accumulation_model m, const format& p, rounding mode) {
  m.round_products = true;
  m.product = p;
  m.product_mode = mode;
  return m;
}

accumulation_model pairwise(const format& acc, rounding mode, const format& out) {
  accumulation_model m = sequential(acc, mode, out);
  m.order = order_kind::pairwise;
  return m;
}

accumulation_model blocked(const format& acc, int b, combine_kind c, rounding mode,
                           const format& out) {
  accumulation_model m = sequential(acc, mode, out);
  m.order = order_kind::blocked;
  m.block = b;
  m.combine = c;
  return m;
}

accumulation_model split_k(const format& acc, int s, combine_kind c, rounding mode,
                           const format& out) {
  accumulation_model m = blocked(acc, s, c, mode, out);
  m.order = order_kind::split_k;
  return m;
}

accumulation_model promoted(const format& narrow, int c, const format& wide, rounding mode,
                            const format& out) {
  accumulation_model m = blocked(narrow, c, combine_kind::sequential, mode, out);
  m.wide_combine = true;
  m.combine_format = wide;
  m.combine_mode = rounding::nearest_even;
  return m;
}

}  // namespace models

namespace presets {

accumulation_model hopper_fp8_mma() {
  accumulation_model m = models::with_inputs(
      models::sequential(formats::binary32, rounding::toward_zero, formats::binary32),
      formats::e4m3fn);
  m.group = 32;
  m.group_bits = 14;
  m.group_aligns_accumulator = true;
  m.group_floor = true;
  return m;
}

accumulation_model hopper_fp8_promoted() {
  accumulation_model m = hopper_fp8_mma();
  m.order = order_kind::blocked;
  m.block = 128;
  m.combine = combine_kind::sequential;
  m.wide_combine = true;
  m.combine_format = formats::binary32;
  m.combine_mode = rounding::nearest_even;
  return m;
}

accumulation_model blackwell_fp8_mma() {
  accumulation_model m = hopper_fp8_mma();
  m.group_bits = 26;
  return m;
}

accumulation_model bf16_gemm_fp32_accumulate() {
  return models::with_inputs(
      models::sequential(formats::binary32, rounding::nearest_even, formats::bfloat16),
      formats::bfloat16);
}

}  // namespace presets

std::string describe(const accumulation_model& m) {
  std::string s;
  s += "in=" + (m.round_inputs ? fm(m.input, m.input_mode) : std::string("as-is"));
  s += " prod=" + (m.round_products ? fm(m.product, m.product_mode) : std::string("exact"));
  s += " acc=" + fm(m.accumulator, m.accumulator_mode);
  if (m.group > 0)
    s += " group=" + std::to_string(m.group) + "x" + std::to_string(m.group_bits) + "b" +
         (m.group_aligns_accumulator ? "+acc" : "") + (m.group_floor ? ",floor" : "");
  s += std::string(" order=") + order_name(m.order);
  if (m.order == order_kind::blocked || m.order == order_kind::split_k) {
    s += "(" + std::to_string(m.block) + "," +
         (m.combine == combine_kind::sequential ? "seq" : "pairwise") + ")";
    if (m.round_partials) s += " partial=" + fm(m.partial, m.partial_mode);
    if (m.wide_combine) s += " combine=" + fm(m.combine_format, m.combine_mode);
  }
  s += " out=" + fm(m.output, m.output_mode);
  return s;
}

}  // namespace lowp::kernels
