// libFuzzer target for Values.parseString (SimpleHeaderConverter's reader): any text parses to
// some value or raises, and whatever parses can be printed again.
//   ./ferry_values_fuzz -max_total_time=60

#include "ferry/data/values.hpp"

#include <cstdint>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    try {
        ferry::values::typed_value v = ferry::values::parse_string(in);
        (void)ferry::values::convert_to_string(v.schema, v.val);
    } catch (const std::runtime_error&) {
        // data_error, or nesting too deep: both are reported, neither crashes
    }
    return 0;
}
