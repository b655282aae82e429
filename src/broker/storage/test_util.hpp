#pragma once
// Helpers shared by the storage tests: temp dirs, a controllable clock, batch building and
// decoding everything a partition returns.

#include "broker/storage/log.hpp"
#include "broker/storage/record_batch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry::broker::storage::test {

struct temp_dir {
    std::string path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ferry-storage-XXXXXX").string();
        char* p = ::mkdtemp(tmpl.data());
        EXPECT_NE(p, nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string sub(const std::string& name) const { return (std::filesystem::path(path) / name).string(); }
};

struct fake_clock {
    std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(1'700'000'000'000);
    std::function<int64_t()> fn() const {
        auto n = now;
        return [n] { return n->load(); };
    }
    void advance(int64_t ms) { now->fetch_add(ms); }
    int64_t get() const { return now->load(); }
};

// A manager config whose background thread stays out of the way: tests drive maintenance.
inline log_manager_config quiet_config(const std::string& dir, const fake_clock* clock = nullptr) {
    log_manager_config c;
    c.log_dir = dir;
    c.retention_check_interval_ms = 3'600'000;
    c.cleaner_backoff_ms = 3'600'000;
    c.flush_scheduler_interval_ms = 3'600'000;
    c.recovery_point_checkpoint_interval_ms = 3'600'000;
    c.periodic_flush_ms = 0;
    if (clock) c.clock = clock->fn();
    return c;
}

inline std::unique_ptr<log_manager> open_manager(const log_manager_config& c) {
    auto m = log_manager::open(c);
    EXPECT_TRUE(m) << (m ? "" : m.error().message);
    return m ? std::move(*m) : nullptr;
}

// `n` records "k<first+i>" -> "v<first+i>" (keys modulo `key_space` when given).
inline std::string kv_batch(int first, int n, int64_t ts, codec c = codec::none, int key_space = 0,
                            const std::string& value_prefix = "v") {
    record_batch_builder b;
    b.compression(c).default_timestamp(ts);
    for (int i = 0; i < n; ++i) {
        int k = key_space ? (first + i) % key_space : first + i;
        b.add("k" + std::to_string(k), value_prefix + std::to_string(first + i));
    }
    return b.build();
}

struct rec {
    int64_t offset;
    std::optional<std::string> key, value;
    int64_t timestamp;
    bool control;
};

// Decodes the batches of one read() into records (control records flagged).
inline std::vector<rec> decode(std::string_view data) {
    std::vector<rec> out;
    size_t p = 0;
    while (p + batch_layout::header_size <= data.size()) {
        batch_view v{data.data() + p};
        std::string_view b = data.substr(p, size_t(v.size()));
        EXPECT_TRUE(check_batch_integrity(b)) << "batch at byte " << p;
        auto r = for_each_record(b, [&](const record_view& r) {
            rec x{v.base_offset() + r.offset_delta,
                  r.key ? std::optional<std::string>(std::string(*r.key)) : std::nullopt,
                  r.value ? std::optional<std::string>(std::string(*r.value)) : std::nullopt,
                  v.is_log_append_time() ? v.max_timestamp() : v.base_timestamp() + r.timestamp_delta, v.is_control()};
            out.push_back(std::move(x));
            return true;
        });
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        p += size_t(v.size());
    }
    EXPECT_EQ(p, data.size()) << "partial batch returned";
    return out;
}

// Every record from `from` to the high watermark, following read() across segments and gaps.
inline std::vector<rec> read_all(const partition_log& log, int64_t from = -1, bool with_control = true) {
    std::vector<rec> out;
    int64_t off = from < 0 ? log.log_start_offset() : from;
    while (off < log.log_end_offset()) {
        auto r = log.read(off, 1 << 20, INT64_MAX, true);
        EXPECT_FALSE(r.out_of_range) << "offset " << off;
        if (r.out_of_range || r.data.empty()) break;
        int64_t next = off;
        size_t p = 0;
        while (p < r.data.size()) {
            batch_view v{r.data.data() + p};
            next = std::max(next, v.next_offset());
            p += size_t(v.size());
        }
        for (auto& x : decode(r.data))
            if (x.offset >= off && (with_control || !x.control)) out.push_back(std::move(x));
        EXPECT_GT(next, off);
        off = next;
    }
    return out;
}

inline result<append_result> append(partition_log& log, std::string batch) {
    return log.append(std::span<char>(batch.data(), batch.size()));
}

} // namespace ferry::broker::storage::test
