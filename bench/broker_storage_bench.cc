// Micro benchmarks of the broker's storage layer: append and read throughput of one partition
// with the default flush policy (page cache, no fsync per append), plus the CRC-32C it leans on.
// Run: build-*/bench/broker_storage_bench [--benchmark_filter=...]; data goes to $TMPDIR.

#include "broker/storage/crc32c.hpp"
#include "broker/storage/log.hpp"
#include "broker/storage/record_batch.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

using namespace ferry::broker::storage;

namespace {

struct bench_dir {
    std::string path;
    bench_dir() {
        std::string t = (std::filesystem::temp_directory_path() / "ferry-storage-bench-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~bench_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

std::unique_ptr<log_manager> open_quiet(const std::string& dir) {
    log_manager_config c;
    c.log_dir = dir;
    c.retention_check_interval_ms = 3'600'000;
    c.cleaner_backoff_ms = 3'600'000;
    return std::move(*log_manager::open(c));
}

// A producer-like batch: `n` records with 16-byte keys and `value_size`-byte values.
std::string make_batch(int n, int value_size, codec c) {
    record_batch_builder b;
    b.compression(c).producer(1, 0, 0);
    std::string value(size_t(value_size), 'v');
    for (int i = 0; i < n; ++i) {
        char key[17];
        std::snprintf(key, sizeof key, "key-%012d", i);
        for (int j = 0; j < value_size; j += 7)
            value[size_t(j)] = char('a' + (i + j) % 26);
        b.add(std::string_view(key, 16), value);
    }
    return b.build();
}

void BM_append(benchmark::State& st) {
    const int records = int(st.range(0));
    const int value_size = int(st.range(1));
    const codec c = codec(st.range(2));
    const bool compacted = st.range(3) != 0;
    bench_dir d;
    auto m = open_quiet(d.path);
    std::map<std::string, std::string> cfg;
    if (compacted) cfg["cleanup.policy"] = "compact";
    (void)m->create_topic("t", 1, cfg);
    auto log = m->partition("t", 0);
    std::string batch = make_batch(records, value_size, c);
    for (auto _ : st) {
        auto r = log->append(std::span<char>(batch.data(), batch.size()));
        if (!r) st.SkipWithError(r.error().message.c_str());
        // Keep the log from filling the disk in long runs.
        if (log->size_bytes() > (int64_t(2) << 30)) {
            st.PauseTiming();
            (void)m->delete_topic("t");
            (void)m->create_topic("t", 1, cfg);
            log = m->partition("t", 0);
            st.ResumeTiming();
        }
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(batch.size()));
    st.SetItemsProcessed(int64_t(st.iterations()) * records);
    st.counters["batch_bytes"] = double(batch.size());
    m->close();
}

// records, value bytes, codec, compacted topic
BENCHMARK(BM_append)
    ->ArgNames({"records", "value", "codec", "compacted"})
    ->Args({1, 100, 0, 0})
    ->Args({100, 100, 0, 0})
    ->Args({1000, 100, 0, 0})
    ->Args({1000, 100, 3, 0})
    ->Args({1000, 100, 0, 1})
    ->Args({1000, 100, 3, 1})
    ->Args({10, 10000, 0, 0})
    ->UseRealTime();

void BM_read_sequential(benchmark::State& st) {
    const int32_t max_bytes = int32_t(st.range(0));
    bench_dir d;
    auto m = open_quiet(d.path);
    (void)m->create_topic("t", 1, {{"segment.bytes", "134217728"}});
    auto log = m->partition("t", 0);
    const int records_per_batch = 100;
    std::string batch = make_batch(records_per_batch, 100, codec::none);
    while (log->size_bytes() < (int64_t(256) << 20))
        (void)log->append(std::span<char>(batch.data(), batch.size()));
    int64_t offset = 0, records = 0, bytes = 0;
    const int64_t end = log->log_end_offset();
    for (auto _ : st) {
        auto r = log->read(offset, max_bytes, INT64_MAX, true);
        // Walk the batch headers as a fetch response builder would.
        size_t p = 0;
        while (p < r.data.size()) {
            batch_view v{r.data.data() + p};
            records += v.records_count();
            offset = v.next_offset();
            p += size_t(v.size());
        }
        bytes += int64_t(r.data.size());
        if (offset >= end) offset = 0;
    }
    st.SetBytesProcessed(bytes);
    st.SetItemsProcessed(records);
    m->close();
}
BENCHMARK(BM_read_sequential)->ArgNames({"max_bytes"})->Arg(64 << 10)->Arg(1 << 20)->UseRealTime();

void BM_read_random(benchmark::State& st) {
    bench_dir d;
    auto m = open_quiet(d.path);
    (void)m->create_topic("t", 1, {{"segment.bytes", "16777216"}});
    auto log = m->partition("t", 0);
    std::string batch = make_batch(10, 100, codec::none);
    while (log->size_bytes() < (int64_t(128) << 20))
        (void)log->append(std::span<char>(batch.data(), batch.size()));
    const int64_t end = log->log_end_offset();
    uint64_t x = 88172645463325252ull;
    for (auto _ : st) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        auto r = log->read(int64_t(x % uint64_t(end)), 16384, INT64_MAX, true);
        benchmark::DoNotOptimize(r.data.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()));
    m->close();
}
BENCHMARK(BM_read_random)->UseRealTime();

void BM_crc32c(benchmark::State& st) {
    std::string data(size_t(st.range(0)), 'x');
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = char(i * 131);
    for (auto _ : st)
        benchmark::DoNotOptimize(crc32c(data));
    st.SetBytesProcessed(int64_t(st.iterations()) * st.range(0));
    st.SetLabel(crc32c_hardware_available() ? "sse4.2" : "portable");
}
BENCHMARK(BM_crc32c)->Arg(1 << 10)->Arg(16 << 10)->Arg(1 << 20);

void BM_crc32c_portable(benchmark::State& st) {
    std::string data(size_t(st.range(0)), 'x');
    for (auto _ : st)
        benchmark::DoNotOptimize(crc32c_extend_portable(0, data.data(), data.size()));
    st.SetBytesProcessed(int64_t(st.iterations()) * st.range(0));
}
BENCHMARK(BM_crc32c_portable)->Arg(1 << 20);

} // namespace

BENCHMARK_MAIN();
