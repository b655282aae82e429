// libFuzzer target: arbitrary text through the broker's .properties reader (continuations,
// escapes, \u sequences). Must never crash, hang or read out of bounds.

#include "broker/properties.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto props = ferry::broker::parse_properties(std::string_view(reinterpret_cast<const char*>(data), size));
    (void)props;
    return 0;
}
