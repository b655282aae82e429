// Single message transform throughput on one core, in records per second: the chain
// InsertField$Value -> ReplaceField$Value -> Cast$Value over a 10-field struct (the shape of
// json_converter_bench's record), the same chain plus RegexRouter, and each transform alone.
//
// Records arrive as a converter hands them over: a fresh struct per record that only the record
// owns, so each transform edits it in place. Batches of records are built outside the timed
// region; the timed loop is the chain alone. bm_chain_shared keeps a second reference to every
// input struct (as a test or a fan-out would), which forces InsertField to copy it; the struct it
// builds belongs to the record alone, so ReplaceField and Cast still edit that one in place.
//
//   ninja -C build transforms_bench && build/bench/transforms_bench

#include "plugins/transforms/cast/cast.hpp"
#include "plugins/transforms/insert_field/insert_field.hpp"
#include "plugins/transforms/regex_router/regex_router.hpp"
#include "plugins/transforms/replace_field/replace_field.hpp"

#include "ferry/data/logical.hpp"

#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

namespace {

using namespace ferry;
using namespace ferry::transforms;

constexpr size_t batch = 1024;

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

sink_record record(const schema_ptr& s, int64_t i) {
    sink_record r;
    r.topic = "shop.public.customers";
    r.kafka_partition = 3;
    r.offset = i;
    r.timestamp = 1700000000000 + i;
    r.value_schema = s;
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
    r.val = value(std::move(st));
    return r;
}

std::vector<std::unique_ptr<transformation>> make_chain(bool with_router) {
    std::vector<std::unique_ptr<transformation>> chain;
    auto ins = std::make_unique<insert_field>(side::value);
    ins->configure(
        {{"topic.field", "source_topic"}, {"offset.field", "source_offset"}, {"timestamp.field", "ingested_at"}});
    chain.push_back(std::move(ins));
    auto rep = std::make_unique<replace_field>(side::value);
    rep->configure({{"exclude", "visits"}, {"renames", "id:customer_id,name:full_name"}});
    chain.push_back(std::move(rep));
    auto c = std::make_unique<cast>(side::value);
    c->configure({{"spec", "customer_id:string,age:int16,score:float32"}});
    chain.push_back(std::move(c));
    if (with_router) {
        auto rr = std::make_unique<regex_router>();
        rr->configure({{"regex", "shop\\.public\\.(.*)"}, {"replacement", "warehouse_$1"}});
        chain.push_back(std::move(rr));
    }
    return chain;
}

void run(benchmark::State& state, std::vector<std::unique_ptr<transformation>>& chain, bool shared) {
    schema_ptr s = record_schema();
    std::vector<sink_record> records(batch);
    std::vector<value> keep(shared ? batch : 0);
    int64_t n = 0;
    for (auto _ : state) {
        state.PauseTiming();
        for (size_t i = 0; i < batch; ++i) {
            records[i] = record(s, n++);
            if (shared) keep[i] = records[i].val;
        }
        state.ResumeTiming();
        for (auto& r : records) {
            for (auto& t : chain)
                if (!t->apply(r)) break;
            benchmark::DoNotOptimize(r.val);
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}

void bm_chain(benchmark::State& state) {
    auto chain = make_chain(false);
    run(state, chain, false);
}

void bm_chain_with_router(benchmark::State& state) {
    auto chain = make_chain(true);
    run(state, chain, false);
}

void bm_chain_shared(benchmark::State& state) {
    auto chain = make_chain(false);
    run(state, chain, true);
}

void bm_single(benchmark::State& state) {
    auto all = make_chain(true);
    std::vector<std::unique_ptr<transformation>> one;
    one.push_back(std::move(all[static_cast<size_t>(state.range(0))]));
    state.SetLabel(state.range(0) == 0   ? "InsertField$Value"
                   : state.range(0) == 1 ? "ReplaceField$Value"
                   : state.range(0) == 2 ? "Cast$Value"
                                         : "RegexRouter");
    // Each alone sees the original record (Cast's spec then names fields that exist: remap it).
    if (state.range(0) == 2) one[0]->configure({{"spec", "id:string,age:int16,score:float32"}});
    run(state, one, false);
}

// The cost of building the input records, to compare against.
void bm_build_records_only(benchmark::State& state) {
    schema_ptr s = record_schema();
    std::vector<sink_record> records(batch);
    int64_t n = 0;
    for (auto _ : state) {
        for (size_t i = 0; i < batch; ++i)
            records[i] = record(s, n++);
        benchmark::DoNotOptimize(records.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}

} // namespace

BENCHMARK(bm_chain);
BENCHMARK(bm_chain_with_router);
BENCHMARK(bm_chain_shared);
BENCHMARK(bm_single)->DenseRange(0, 3);
BENCHMARK(bm_build_records_only);
BENCHMARK_MAIN();
