// libFuzzer target for the Avro decoder (AvroConverter's reading side). Any input either decodes
// or raises data_error - never a crash, a hang or an unbounded allocation; what decodes must encode
// again and decode to the same value (the codec agrees with itself on every path it accepts).
//   ./ferry_avro_decode_fuzz -max_total_time=60

#include "ferry/connect/errors.hpp"
#include "plugins/converters/avro/avro_data.hpp"

#include <cstdint>
#include <cstdlib>

using namespace ferry;

namespace {

struct target {
    avro::schema_ptr writer, reader;
    schema_ptr connect;
};

std::vector<target>& targets() {
    static std::vector<target> t = [] {
        std::vector<std::pair<const char*, const char*>> texts{
            {R"({"type":"record","name":"personal_data","fields":[{"name":"id","type":"long"},{"name":"bank_bic","type":"string"},{"name":"bank_name","type":["null","string"],"default":null},{"name":"last_update","type":{"type":"long","logicalType":"timestamp-millis"}}]})",
             nullptr},
            {R"({"type":"record","name":"r","fields":[{"name":"a","type":{"type":"array","items":{"type":"map","values":["null","double","bytes"]}}},{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},{"name":"f","type":{"type":"fixed","name":"F","size":3}},{"name":"b","type":"boolean"},{"name":"fl","type":"float"},{"name":"i","type":{"type":"int","connect.type":"int16"}}]})",
             nullptr},
            {R"({"type":"record","name":"w","fields":[{"name":"a","type":"int"},{"name":"gone","type":{"type":"array","items":"string"}},{"name":"m","type":{"type":"array","items":{"type":"record","name":"MapEntry","namespace":"io.confluent.connect.avro","fields":[{"name":"key","type":"int"},{"name":"value","type":"string"}]}}}]})",
             R"({"type":"record","name":"w","fields":[{"name":"a","type":"double"},{"name":"n","type":"string","default":"x"},{"name":"m","type":{"type":"array","items":{"type":"record","name":"MapEntry","namespace":"io.confluent.connect.avro","fields":[{"name":"key","type":"long"},{"name":"value","type":"bytes"}]}}}]})"},
        };
        avro_converter::avro_data d;
        std::vector<target> out;
        for (auto& [w, r] : texts) {
            target x;
            x.writer = *avro::schema::parse(w);
            x.reader = r ? *avro::schema::parse(r) : x.writer;
            x.connect = d.to_connect(x.reader);
            out.push_back(x);
        }
        return out;
    }();
    return t;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    auto& ts = targets();
    const target& t = ts[data[0] % ts.size()];
    const char* begin = reinterpret_cast<const char*>(data) + 1;
    const char* end = reinterpret_cast<const char*>(data) + size;
    avro_converter::avro_data d;
    value v;
    try {
        const char* p = begin;
        v = d.decode(t.writer->root(), t.reader->root(), t.connect, p, end);
    } catch (const data_error&) {
        return 0;
    }
    // Round trip with the reader schema as writer.
    std::string out;
    try {
        d.encode(t.reader->root(), t.connect, v, out);
    } catch (const data_error&) {
        return 0; // e.g. a decoded value outside what Connect's type can hold
    }
    const char* p = out.data();
    value again = d.decode(t.reader->root(), t.reader->root(), t.connect, p, out.data() + out.size());
    if (!(again == v) || p != out.data() + out.size()) std::abort();
    return 0;
}
