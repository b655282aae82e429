// JsonConverter throughput on one core: serialize and deserialize a 10-field struct, with and
// without the schema envelope, in records per second. Also the parsers alone on the same bytes
// (simdjson on-demand, which the converter uses, against RapidJSON's SAX reader and DOM), which is
// how the parser was chosen.
//
//   ninja -C build json_converter_bench && build/bench/json_converter_bench

#include "ferry/data/logical.hpp"
#include "plugins/converters/json/json_converter.hpp"

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/reader.h>
#include <simdjson.h>

#include <cstring>

namespace {

using namespace ferry;

schema_ptr record_schema() {
    return schema_builder::struct_()
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

std::unique_ptr<json::json_converter> make_converter(bool schemas_enabled) {
    auto c = std::make_unique<json::json_converter>();
    c->configure({{"schemas.enable", schemas_enabled ? "true" : "false"}}, false);
    return c;
}

void bm_serialize(benchmark::State& state) {
    bool envelope = state.range(0) != 0;
    auto conv = make_converter(envelope);
    schema_ptr s = record_schema();
    value v = record(s, 1);
    ferry::headers h;
    std::string out;
    out.reserve(1024);
    for (auto _ : state) {
        conv->from_connect("topic", h, s, v, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
    state.counters["bytes_per_record"] = static_cast<double>(out.size());
}

// A source that builds a new (equal) schema object for every record: the structural cache path.
void bm_serialize_fresh_schema(benchmark::State& state) {
    auto conv = make_converter(true);
    std::vector<schema_ptr> schemas_;
    std::vector<value> values;
    for (int i = 0; i < 64; ++i) {
        schemas_.push_back(record_schema());
        values.push_back(record(schemas_.back(), i));
    }
    ferry::headers h;
    std::string out;
    size_t i = 0;
    for (auto _ : state) {
        conv->from_connect("topic", h, schemas_[i & 63], values[i & 63], out);
        benchmark::DoNotOptimize(out.data());
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

std::string serialized(bool envelope) {
    auto conv = make_converter(envelope);
    schema_ptr s = record_schema();
    ferry::headers h;
    std::string out;
    conv->from_connect("topic", h, s, record(s, 1), out);
    return out;
}

void bm_deserialize(benchmark::State& state) {
    bool envelope = state.range(0) != 0;
    auto conv = make_converter(envelope);
    std::string bytes = serialized(envelope);
    ferry::headers h;
    for (auto _ : state) {
        schema_and_value r = conv->to_connect("topic", h, std::string_view(bytes));
        benchmark::DoNotOptimize(r.val);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

// --- parsers alone: visit every value of the envelope ---

void visit(simdjson::ondemand::value v, size_t& n);

void visit(simdjson::ondemand::value v, size_t& n) {
    switch (v.type()) {
    case simdjson::ondemand::json_type::object:
        for (auto f : v.get_object()) {
            n += f.unescaped_key().value().size();
            visit(f.value(), n);
        }
        break;
    case simdjson::ondemand::json_type::array:
        for (auto e : v.get_array()) visit(e.value(), n);
        break;
    case simdjson::ondemand::json_type::string: n += v.get_string().value().size(); break;
    case simdjson::ondemand::json_type::number: n += v.raw_json_token().size(); break;
    case simdjson::ondemand::json_type::boolean: n += v.get_bool().value(); break;
    case simdjson::ondemand::json_type::null: ++n; break;
    }
}

void bm_parse_simdjson_ondemand(benchmark::State& state) {
    std::string bytes = serialized(true);
    simdjson::padded_string padded(bytes);
    simdjson::ondemand::parser parser;
    for (auto _ : state) {
        size_t n = 0;
        auto doc = parser.iterate(padded);
        visit(doc.get_value().value(), n);
        benchmark::DoNotOptimize(n);
    }
    state.SetItemsProcessed(state.iterations());
}

struct counting_handler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, counting_handler> {
    size_t n = 0;
    bool Default() {
        ++n;
        return true;
    }
    bool String(const char*, rapidjson::SizeType len, bool) {
        n += len;
        return true;
    }
    bool Key(const char*, rapidjson::SizeType len, bool) {
        n += len;
        return true;
    }
    bool RawNumber(const char*, rapidjson::SizeType len, bool) {
        n += len;
        return true;
    }
};

void bm_parse_rapidjson_sax(benchmark::State& state) {
    std::string bytes = serialized(true);
    rapidjson::Reader reader;
    for (auto _ : state) {
        counting_handler h;
        rapidjson::StringStream ss(bytes.c_str());
        reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(ss, h);
        benchmark::DoNotOptimize(h.n);
    }
    state.SetItemsProcessed(state.iterations());
}

void bm_parse_rapidjson_dom(benchmark::State& state) {
    std::string bytes = serialized(true);
    for (auto _ : state) {
        rapidjson::Document d;
        d.Parse(bytes.c_str(), bytes.size());
        benchmark::DoNotOptimize(d.IsObject());
    }
    state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(bm_serialize)->ArgName("schemas")->Arg(1)->Arg(0);
BENCHMARK(bm_serialize_fresh_schema);
BENCHMARK(bm_deserialize)->ArgName("schemas")->Arg(1)->Arg(0);
BENCHMARK(bm_parse_simdjson_ondemand);
BENCHMARK(bm_parse_rapidjson_sax);
BENCHMARK(bm_parse_rapidjson_dom);

BENCHMARK_MAIN();
