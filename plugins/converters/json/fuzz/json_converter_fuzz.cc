// libFuzzer target for JsonConverter's reader. Any input either reads or raises data_error; what
// reads with a schema must write, and writing what that reads back gives the same bytes.
//   ./ferry_json_converter_fuzz plugins/converters/json/fuzz/corpus -max_total_time=60

#include "ferry/connect/errors.hpp"
#include "plugins/converters/json/json_converter.hpp"

#include <cstdint>
#include <cstdlib>

using namespace ferry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static json::json_converter* enabled = [] {
        auto* c = new json::json_converter();
        c->configure({{"schemas.cache.size", "4"}}, false);
        return c;
    }();
    static json::json_converter* disabled = [] {
        auto* c = new json::json_converter();
        c->configure({{"schemas.enable", "false"}, {"decimal.format", "NUMERIC"}}, false);
        return c;
    }();
    std::string_view in(reinterpret_cast<const char*>(data), size);
    ferry::headers h;
    for (auto* c : {enabled, disabled}) {
        schema_and_value r;
        try {
            r = c->to_connect("t", h, in);
        } catch (const data_error&) {
            continue;
        }
        std::string out;
        bool written = false;
        try {
            written = c->from_connect("t", h, r.schema, r.val, out);
        } catch (const data_error&) {
            if (r.schema) abort(); // what was read against a schema must be writable
            continue;
        }
        if (!written || !r.schema) continue;
        schema_and_value back = c->to_connect("t", h, std::string_view(out));
        if (!schema_equals(back.schema, r.schema)) abort();
        std::string again;
        c->from_connect("t", h, back.schema, back.val, again);
        if (again != out) abort();
    }
    return 0;
}
