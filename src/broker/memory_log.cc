#include "broker/memory_log.hpp"

#include "broker/protocol/record_batch.hpp"

#include <algorithm>
#include <chrono>
#include <shared_mutex>

namespace ferry::broker {
namespace {

using namespace storage;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class memory_partition final : public partition_log {
public:
    explicit memory_partition(const topic_config* cfg) : _cfg(cfg) {}

    result<append_result> append(std::span<char> batch) override {
        auto h = proto::parse_batch_header(std::string_view(batch.data(), batch.size()));
        if (!h || h->total_size() != batch.size())
            return fail(errc::invalid_argument, "INVALID_RECORD: malformed batch");
        if (proto::crc32c(0, batch.data() + 21, batch.size() - 21) != h->crc)
            return fail(errc::invalid_argument, "CORRUPT_MESSAGE: CRC mismatch");
        if (static_cast<int64_t>(batch.size()) > _cfg->max_message_bytes)
            return fail(errc::invalid_argument, "MESSAGE_TOO_LARGE: batch of {} bytes", batch.size());
        if (h->records_count != h->last_offset_delta + 1)
            return fail(errc::invalid_argument, "INVALID_RECORD: record count does not match last offset delta");
        append_result r;
        {
            std::lock_guard lk(_mu);
            r.base_offset = _end;
            proto::write_i64_be(batch.data(), _end);
            proto::write_i32_be(batch.data() + 12, 0);
            _batches.push_back(
                {_end, _end + h->last_offset_delta, h->max_timestamp, std::string(batch.data(), batch.size())});
            _end += h->last_offset_delta + 1;
            r.log_start_offset = _start;
        }
        notify();
        return r;
    }

    result<int64_t> append_marker(int64_t pid, int16_t epoch, bool commit, int32_t coordinator_epoch,
                                  int64_t first_offset) override {
        std::string key(4, '\0'), value(6, '\0');
        key[3] = commit ? 1 : 0;
        proto::write_i32_be(value.data() + 2, coordinator_epoch);
        proto::batch_options o;
        o.base_timestamp = now_ms();
        o.producer_id = pid;
        o.producer_epoch = epoch;
        o.transactional = true;
        o.control = true;
        auto b = proto::build_batch({proto::simple_record{key, value, {}, 0}}, o);
        int64_t off;
        {
            std::lock_guard lk(_mu);
            off = _end;
            proto::write_i64_be(b.data(), off);
            _batches.push_back({off, off, o.base_timestamp, std::move(b)});
            _end += 1;
            if (!commit) _aborted.push_back({pid, first_offset, off});
        }
        notify();
        return off;
    }

    read_result read(int64_t offset, int32_t max_bytes, int64_t limit_offset, bool min_one_batch) const override {
        std::lock_guard lk(_mu);
        read_result r;
        r.high_watermark = _end;
        r.log_start_offset = _start;
        if (offset < _start || offset > _end) {
            r.out_of_range = true;
            return r;
        }
        auto it = std::lower_bound(_batches.begin(), _batches.end(), offset,
                                   [](const entry& e, int64_t o) { return e.last < o; });
        for (; it != _batches.end(); ++it) {
            if (it->base >= limit_offset) break;
            if (it->last < _start) continue;
            if (static_cast<int64_t>(r.data.size() + it->bytes.size()) > max_bytes &&
                !(r.data.empty() && min_one_batch))
                break;
            r.data += it->bytes;
        }
        return r;
    }

    std::vector<aborted_txn> aborted_between(int64_t from, int64_t to) const override {
        std::lock_guard lk(_mu);
        std::vector<aborted_txn> out;
        for (auto& a : _aborted)
            if (a.first_offset < to && a.last_offset >= from) out.push_back(a);
        return out;
    }

    int64_t log_start_offset() const override {
        std::lock_guard lk(_mu);
        return _start;
    }
    int64_t log_end_offset() const override {
        std::lock_guard lk(_mu);
        return _end;
    }

    std::optional<std::pair<int64_t, int64_t>> offset_for_timestamp(int64_t ts) const override {
        std::lock_guard lk(_mu);
        for (auto& e : _batches) {
            if (e.last < _start || e.max_ts < ts) continue;
            if (auto recs = proto::decode_records(e.bytes))
                for (auto& rec : *recs)
                    if (rec.timestamp >= ts && rec.offset >= _start) return std::make_pair(rec.offset, rec.timestamp);
            return std::make_pair(std::max(e.base, _start), e.max_ts);
        }
        return std::nullopt;
    }

    result<int64_t> delete_records_before(int64_t offset) override {
        std::lock_guard lk(_mu);
        if (offset > _end)
            return fail(errc::invalid_argument, "OFFSET_OUT_OF_RANGE: {} is above the end {}", offset, _end);
        _start = std::max(_start, offset);
        while (!_batches.empty() && _batches.front().last < _start)
            _batches.erase(_batches.begin());
        return _start;
    }

    int64_t size_bytes() const override {
        std::lock_guard lk(_mu);
        int64_t n = 0;
        for (auto& e : _batches)
            n += static_cast<int64_t>(e.bytes.size());
        return n;
    }

    void scan(int64_t from, const std::function<bool(std::string_view)>& fn) const override {
        std::vector<std::string> copy;
        {
            std::lock_guard lk(_mu);
            for (auto& e : _batches)
                if (e.last >= from) copy.push_back(e.bytes);
        }
        for (auto& b : copy)
            if (!fn(b)) return;
    }

    void set_append_listener(append_listener l) override {
        std::lock_guard lk(_mu);
        _listener = std::move(l);
    }

    result<> flush() override { return {}; }

private:
    struct entry {
        int64_t base, last, max_ts;
        std::string bytes;
    };
    void notify() {
        append_listener l;
        {
            std::lock_guard lk(_mu);
            l = _listener;
        }
        if (l) l();
    }

    const topic_config* _cfg;
    mutable std::mutex _mu;
    std::vector<entry> _batches;
    std::vector<aborted_txn> _aborted;
    int64_t _start = 0, _end = 0;
    append_listener _listener;
};

class memory_manager final : public log_manager {
public:
    explicit memory_manager(topic_config defaults) : _defaults(std::move(defaults)) {}

    result<> create_topic(const std::string& name, int32_t partitions,
                          const std::map<std::string, std::string>& configs) override {
        std::unique_lock lk(_mu);
        if (_topics.count(name)) return fail(errc::already_exists, "topic {} already exists", name);
        auto t = std::make_unique<topic>();
        t->cfg = _defaults;
        t->cfg.overrides.clear();
        for (auto& [k, v] : configs)
            if (auto r = t->cfg.set(k, v); !r) return r;
        for (int32_t i = 0; i < partitions; ++i)
            t->parts.push_back(std::make_shared<memory_partition>(&t->cfg));
        _topics.emplace(name, std::move(t));
        return {};
    }
    result<> delete_topic(const std::string& name) override {
        std::unique_lock lk(_mu);
        if (!_topics.erase(name)) return fail(errc::not_found, "topic {} does not exist", name);
        return {};
    }
    result<> add_partitions(const std::string& name, int32_t new_total) override {
        std::unique_lock lk(_mu);
        auto it = _topics.find(name);
        if (it == _topics.end()) return fail(errc::not_found, "topic {} does not exist", name);
        auto& t = *it->second;
        if (new_total <= static_cast<int32_t>(t.parts.size()))
            return fail(errc::invalid_argument, "partition count must grow");
        while (static_cast<int32_t>(t.parts.size()) < new_total)
            t.parts.push_back(std::make_shared<memory_partition>(&t.cfg));
        return {};
    }
    result<> alter_topic_config(const std::string& name,
                                const std::map<std::string, std::optional<std::string>>& changes,
                                bool incremental) override {
        std::unique_lock lk(_mu);
        auto it = _topics.find(name);
        if (it == _topics.end()) return fail(errc::not_found, "topic {} does not exist", name);
        std::map<std::string, std::string> overrides =
            incremental ? it->second->cfg.overrides : std::map<std::string, std::string>{};
        for (auto& [k, v] : changes) {
            if (v)
                overrides[k] = *v;
            else
                overrides.erase(k);
        }
        topic_config c = _defaults;
        c.overrides.clear();
        for (auto& [k, v] : overrides)
            if (auto r = c.set(k, v); !r) return r;
        it->second->cfg = c;
        return {};
    }
    bool topic_exists(const std::string& name) const override {
        std::shared_lock lk(_mu);
        return _topics.count(name) > 0;
    }
    std::optional<int32_t> partition_count(const std::string& name) const override {
        std::shared_lock lk(_mu);
        auto it = _topics.find(name);
        if (it == _topics.end()) return std::nullopt;
        return static_cast<int32_t>(it->second->parts.size());
    }
    std::vector<std::string> topics() const override {
        std::shared_lock lk(_mu);
        std::vector<std::string> out;
        for (auto& [n, _] : _topics)
            out.push_back(n);
        return out;
    }
    std::optional<topic_config> config_of(const std::string& name) const override {
        std::shared_lock lk(_mu);
        auto it = _topics.find(name);
        if (it == _topics.end()) return std::nullopt;
        return it->second->cfg;
    }
    std::shared_ptr<partition_log> partition(const std::string& name, int32_t p) const override {
        std::shared_lock lk(_mu);
        auto it = _topics.find(name);
        if (it == _topics.end() || p < 0 || p >= static_cast<int32_t>(it->second->parts.size())) return nullptr;
        return it->second->parts[static_cast<size_t>(p)];
    }
    void run_maintenance_now() override {}
    void close() override {}

private:
    struct topic {
        topic_config cfg;
        std::vector<std::shared_ptr<memory_partition>> parts;
    };
    topic_config _defaults;
    mutable std::shared_mutex _mu;
    std::map<std::string, std::unique_ptr<topic>> _topics;
};

} // namespace

std::unique_ptr<storage::log_manager> make_memory_log_manager(storage::topic_config defaults) {
    return std::make_unique<memory_manager>(std::move(defaults));
}

} // namespace ferry::broker
