#include "runtime/offsets_api.hpp"

#include "base/log.hpp"
#include "runtime/offset_codec.hpp"
#include "runtime/sink_offsets.hpp"

#include <fmt/format.h>

namespace ferry::runtime {

namespace {

constexpr int offsets_timeout_ms = 30000;

std::shared_ptr<spdlog::logger> logger() { return log::get("runtime"); }

bool is_sink(const worker& w, const config_map& config) {
    auto it = config.find("connector.class");
    if (it == config.end()) return false;
    auto info = w.plugins().find_connector(it->second);
    return info && info->type == plugin_type::sink;
}

} // namespace

result<std::vector<connector_offset>> read_connector_offsets(worker& w, const storage::offset_store& store,
                                                             const std::string& name, const config_map& config) {
    if (is_sink(w, config)) {
        auto cc = w.resolved(config);
        return read_sink_offsets(w.admin_props(cc), w.consumer_props(name, 0, cc)["group.id"], name, offsets_timeout_ms);
    }
    offset_codec codec(w.plugins());
    std::vector<connector_offset> out;
    for (auto& [k, v] : store.entries()) {
        try {
            auto [conn_name, partition] = codec.decode_key(k);
            if (conn_name != name) continue;
            out.push_back({partition, codec.decode_value(std::string_view(v))});
        } catch (const std::exception& e) {
            logger()->warn("Ignoring unreadable offset entry: {}", e.what());
        }
    }
    return out;
}

result<std::string> modify_connector_offsets(worker& w, storage::offset_store& store, const std::string& name,
                                             const config_map& config, const std::vector<connector_offset>* offsets) {
    const bool reset = offsets == nullptr;
    if (!reset && offsets->empty()) return fail(errc::internal, "The offsets to be altered may not be null or empty");
    auto cc = w.resolved(config);
    std::unique_ptr<ferry::connector> conn;
    try {
        conn = w.plugins().make_connector(cc.count("connector.class") ? cc.at("connector.class") : "");
    } catch (const std::exception& e) {
        return fail(errc::internal, "{}", e.what());
    }
    // The connector's alterOffsets() hook (KIP-875). A connector that does not implement it answers
    // like Java's default (false: the framework's offsets change, external ones are not touched).
    bool connector_managed = false;
    auto modified = [&] {
        auto verb = reset ? "reset" : "altered";
        if (connector_managed) return fmt::format("The offsets for this connector have been {} successfully", verb);
        return fmt::format("The Connect framework-managed offsets for this connector have been {0} successfully. "
                           "However, if this connector manages offsets externally, they will need to be manually {0} "
                           "in the system that the connector uses.",
                           verb);
    };

    if (auto* sink = dynamic_cast<sink_connector*>(conn.get())) {
        auto group = w.consumer_props(name, 0, cc)["group.id"];
        auto admin = w.admin_props(cc);
        sink_offsets parsed;
        if (reset) {
            auto current = read_sink_offsets(admin, group, name, offsets_timeout_ms);
            if (!current)
                return fail(errc::internal, "Failed to list offsets prior to resetting offsets for sink connector {}: {}",
                            name, current.error().message);
            auto all = parse_sink_offsets(*current);
            if (!all) return fail(all.error());
            for (auto& [tp, _] : *all) parsed[tp] = std::nullopt;
        } else {
            auto p = parse_sink_offsets(*offsets);
            if (!p) return fail(p.error());
            parsed = std::move(*p);
        }
        try {
            connector_managed = sink->alter_offsets(cc, parsed).value_or(false);
        } catch (const std::exception& e) {
            return fail(errc::internal, "{}", e.what());
        }
        auto r = reset ? reset_sink_offsets(admin, group, name, offsets_timeout_ms)
                       : alter_sink_offsets(admin, group, parsed, name, offsets_timeout_ms);
        if (!r) return fail(r.error());
        logger()->info("[{}] Consumer group {} offsets {}", name, group, reset ? "reset" : "altered");
        return modified();
    }

    auto* source = dynamic_cast<source_connector*>(conn.get());
    if (!source) return fail(errc::internal, "Connector {} is neither a source nor a sink connector", name);
    partition_offsets changes;
    if (reset) {
        auto current = read_connector_offsets(w, store, name, config);
        if (!current) return fail(current.error());
        for (auto& o : *current) changes.emplace_back(o.partition, value());
    } else {
        for (auto& o : *offsets) {
            if (o.partition.is_null()) return fail(errc::invalid_argument, "Partition objects cannot be null");
            if (auto e = offset_codec::validate_map(o.partition, "Partition")) return fail(errc::invalid_argument, "{}", *e);
            if (auto e = offset_codec::validate_map(o.offset, "Offset")) return fail(errc::invalid_argument, "{}", *e);
            changes.emplace_back(o.partition, o.offset);
        }
    }
    try {
        connector_managed = source->alter_offsets(cc, changes).value_or(false);
    } catch (const std::exception& e) {
        return fail(errc::internal, "{}", e.what());
    }
    if (changes.empty()) return modified(); // nothing stored yet, or already reset
    offset_codec codec(w.plugins());
    storage::offset_entries entries;
    for (auto& [partition, offset] : changes) entries.emplace_back(codec.encode_key(name, partition), codec.encode_value(offset));
    if (auto r = store.set(entries, std::chrono::milliseconds(offsets_timeout_ms)); !r)
        return fail(errc::internal, "Failed to modify offsets for source connector {}: {}", name, r.error().message);
    logger()->info("[{}] Source offsets {} ({} partition(s))", name, reset ? "reset" : "altered", entries.size());
    return modified();
}

} // namespace ferry::runtime
