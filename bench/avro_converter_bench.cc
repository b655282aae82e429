// AvroConverter throughput on one core: serialize and deserialize the same 10-field struct as
// json_converter_bench, through the converter's public interface against Ferry's registry (in
// memory, real HTTP for the first record only; everything after that is cached), in records per
// second. Also the codec alone (AvroData encode/decode without the wire-format prefix).
//
//   ninja -C build avro_converter_bench && build/bench/avro_converter_bench

#include "ferry/data/logical.hpp"
#include "plugins/converters/avro/avro_converter.hpp"
#include "plugins/converters/avro/avro_data.hpp"
#include "schema_registry/server/server.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace ferry;

schema_ptr record_schema() {
    static auto s = schema_builder::struct_()
                        .name("bench.Customer")
                        .field("id", schemas::int64())
                        .field("name", schemas::string())
                        .field("email", schemas::optional_string())
                        .field("age", schemas::int32())
                        .field("score", schemas::float64())
                        .field("active", schemas::boolean())
                        .field("created_at", logical::timestamp_schema())
                        .field("balance", logical::decimal_schema(2))
                        .field("city", schemas::optional_string())
                        .field("visits", schemas::int64())
                        .build();
    return s;
}

value record(const schema_ptr& s, int64_t i) {
    auto st = make_struct(s);
    st->put_unchecked(0, value(int64_t(1000000 + i)));
    st->put_unchecked(1, value("Alice Example"));
    st->put_unchecked(2, value("alice.example@example.com"));
    st->put_unchecked(3, value(int32_t(42)));
    st->put_unchecked(4, value(123.456));
    st->put_unchecked(5, value(true));
    st->put_unchecked(6, value(int64_t(1700000000000 + i)));
    st->put_unchecked(7, value::bytes(logical::decimal_from_int64(1234567)));
    st->put_unchecked(8, value("Zürich"));
    st->put_unchecked(9, value(int64_t(17)));
    return value(std::move(st));
}

schema_registry::server& registry() {
    static auto s = [] {
        schema_registry::server_config c;
        c.host = "127.0.0.1";
        c.port = 0;
        c.in_memory = true;
        return std::move(*schema_registry::server::start(std::move(c)));
    }();
    return *s;
}

std::unique_ptr<avro_converter::avro_converter> make_converter() {
    auto c = std::make_unique<avro_converter::avro_converter>();
    c->configure({{"schema.registry.url", registry().url()}}, false);
    return c;
}

void bm_serialize(benchmark::State& state) {
    auto conv = make_converter();
    schema_ptr s = record_schema();
    value v = record(s, 1);
    ferry::headers h;
    std::string out;
    out.reserve(1024);
    conv->from_connect("topic", h, s, v, out); // registers
    for (auto _ : state) {
        conv->from_connect("topic", h, s, v, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["bytes_per_record"] = static_cast<double>(out.size());
}

void bm_deserialize(benchmark::State& state) {
    auto writer = make_converter();
    auto reader = make_converter();
    schema_ptr s = record_schema();
    ferry::headers h;
    std::string bytes;
    writer->from_connect("topic", h, s, record(s, 1), bytes);
    reader->to_connect("topic", h, bytes); // fetches the schema once
    for (auto _ : state) {
        auto sv = reader->to_connect("topic", h, bytes);
        benchmark::DoNotOptimize(sv.val);
    }
    state.SetItemsProcessed(state.iterations());
}

void bm_codec_encode(benchmark::State& state) {
    avro_converter::avro_data d;
    schema_ptr s = record_schema();
    auto a = d.from_connect(s);
    value v = record(s, 1);
    std::string out;
    out.reserve(1024);
    for (auto _ : state) {
        out.clear();
        d.encode(a->root(), s, v, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}

void bm_codec_decode(benchmark::State& state) {
    avro_converter::avro_data d;
    schema_ptr s = record_schema();
    auto a = d.from_connect(s);
    auto cs = d.to_connect(a);
    std::string bytes;
    d.encode(a->root(), s, record(s, 1), bytes);
    for (auto _ : state) {
        const char* p = bytes.data();
        value v = d.decode(a->root(), a->root(), cs, p, bytes.data() + bytes.size());
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(bm_serialize);
BENCHMARK(bm_deserialize);
BENCHMARK(bm_codec_encode);
BENCHMARK(bm_codec_decode);

} // namespace

BENCHMARK_MAIN();
