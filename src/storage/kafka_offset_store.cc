#include "storage/kafka_offset_store.hpp"

namespace ferry::storage {

result<> kafka_offset_store::start() {
    auto log = kafka_log::start(_opts, [this](const log_record& r) {
        if (!r.key) return;
        std::lock_guard g(_mu);
        if (r.value) _data[std::string(*r.key)] = std::string(*r.value);
        else _data.erase(std::string(*r.key));
    });
    if (!log) return fail(log.error());
    _log = std::move(*log);
    return {};
}

void kafka_offset_store::stop() {
    if (_log) _log->stop();
}

std::optional<std::string> kafka_offset_store::get(std::string_view key) const {
    std::lock_guard g(_mu);
    auto it = _data.find(key);
    if (it == _data.end()) return std::nullopt;
    return it->second;
}

result<> kafka_offset_store::set(const offset_entries& entries, std::chrono::milliseconds timeout) {
    if (!_log) return fail(errc::internal, "offset store for {} is not started", _opts.topic);
    for (auto& [k, v] : entries) {
        auto r = _log->send(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
        if (!r) return r;
    }
    if (auto r = _log->flush(timeout); !r) return r;
    // Acknowledged: visible to readers at once (the consumer will apply the same records again).
    std::lock_guard g(_mu);
    for (auto& [k, v] : entries) {
        if (v) _data[k] = *v;
        else _data.erase(k);
    }
    return {};
}

std::vector<std::pair<std::string, std::string>> kafka_offset_store::entries() const {
    std::lock_guard g(_mu);
    return {_data.begin(), _data.end()};
}

} // namespace ferry::storage
