#include "rest/ui/kafka_browser.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace ferry::rest::ui {

namespace {
constexpr int metadata_timeout_ms = 5000;
constexpr int offsets_timeout_ms = 5000;
// A peek reads until it has reached every partition's end or this much time has passed.
constexpr auto peek_deadline = std::chrono::seconds(5);
} // namespace

kafka_browser::kafka_browser(std::map<std::string, std::string> client_props) : _props(std::move(client_props)) {}

result<kafka::admin*> kafka_browser::admin() {
    std::lock_guard g(_mu);
    if (!_admin) {
        auto a = kafka::admin::create(_props, "ferry-ui-admin");
        if (!a) return fail(a.error());
        _admin = std::move(*a);
    }
    return _admin.get();
}

result<std::vector<topic_offsets>> kafka_browser::topics(bool offsets) {
    auto a = admin();
    if (!a) return fail(a.error());
    auto list = (*a)->list_topics(metadata_timeout_ms);
    if (!list) return fail(errc::unavailable, "{}", list.error().message); // a timeout too: the broker is unreachable
    std::vector<topic_offsets> out;
    for (auto& t : *list) {
        topic_offsets to{t.name, {}};
        for (int32_t p = 0; p < t.partitions; p++) {
            partition_offsets po{p, 0, 0};
            if (offsets) {
                auto w = (*a)->watermarks({t.name, p}, offsets_timeout_ms);
                if (!w) return fail(w.error());
                po.start = w->first;
                po.end = w->second;
            }
            to.partitions.push_back(po);
        }
        out.push_back(std::move(to));
    }
    std::sort(out.begin(), out.end(), [](auto& x, auto& y) { return x.name < y.name; });
    return out;
}

result<topic_offsets> kafka_browser::topic(const std::string& name) {
    auto a = admin();
    if (!a) return fail(a.error());
    auto t = (*a)->describe_topic(name, metadata_timeout_ms);
    if (!t) return fail(errc::unavailable, "{}", t.error().message);
    if (!*t) return fail(errc::not_found, "Topic {} not found.", name);
    topic_offsets to{name, {}};
    for (int32_t p = 0; p < (*t)->partitions; p++) {
        auto w = (*a)->watermarks({name, p}, offsets_timeout_ms);
        if (!w) return fail(w.error());
        to.partitions.push_back({p, w->first, w->second});
    }
    return to;
}

result<std::vector<peeked_message>> kafka_browser::peek(const std::string& topic_name, int n,
                                                        std::optional<int32_t> partition) {
    auto t = topic(topic_name);
    if (!t) return fail(t.error());
    // Each partition's last n records; the newest n of all of them are kept.
    std::vector<std::pair<kafka::tp, int64_t>> assignment;
    std::map<int32_t, int64_t> last_wanted; // partition -> offset of its last record
    for (auto& p : t->partitions) {
        if (partition && p.partition != *partition) continue;
        if (p.end <= p.start) continue;
        assignment.push_back({{topic_name, p.partition}, std::max(p.start, p.end - n)});
        last_wanted[p.partition] = p.end - 1;
    }
    if (partition && std::none_of(t->partitions.begin(), t->partitions.end(),
                                  [&](auto& p) { return p.partition == *partition; }))
        return fail(errc::not_found, "Topic {} has no partition {}.", topic_name, *partition);
    std::vector<peeked_message> out;
    if (assignment.empty()) return out;

    auto props = _props;
    props["group.id"] = "ferry-ui-peek"; // never joined nor committed: partitions are assigned
    props["enable.auto.commit"] = "false";
    props["auto.offset.reset"] = "latest";
    props["client.id"] = "ferry-ui-peek";
    auto c = kafka::consumer::create(props, nullptr, "ferry-ui-peek");
    if (!c) return fail(c.error());
    if (auto r = (*c)->assign(assignment); !r) return fail(r.error());

    std::vector<kafka::message_ptr> batch;
    auto deadline = std::chrono::steady_clock::now() + peek_deadline;
    std::optional<error> last_error;
    while (!last_wanted.empty() && std::chrono::steady_clock::now() < deadline) {
        batch.clear();
        if (auto r = (*c)->poll_batch(200, 500, batch); !r) last_error = r.error();
        for (auto& m : batch) {
            peeked_message pm;
            pm.partition = m->partition;
            pm.offset = m->offset;
            rd_kafka_timestamp_type_t tstype;
            pm.timestamp = rd_kafka_message_timestamp(m.get(), &tstype);
            if (m->key) pm.key = std::string(static_cast<const char*>(m->key), m->key_len);
            if (m->payload) pm.value = std::string(static_cast<const char*>(m->payload), m->len);
            rd_kafka_headers_t* hdrs = nullptr;
            if (rd_kafka_message_headers(m.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
                const char* name;
                const void* val;
                size_t size;
                for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
                    pm.headers.emplace_back(name, val ? std::optional<std::string>(std::string(static_cast<const char*>(val), size))
                                                      : std::nullopt);
            }
            auto it = last_wanted.find(pm.partition);
            if (it != last_wanted.end() && pm.offset >= it->second) last_wanted.erase(it);
            out.push_back(std::move(pm));
        }
    }
    (*c)->close();
    if (out.empty() && last_error) return fail(*last_error);
    std::sort(out.begin(), out.end(), [](auto& x, auto& y) {
        return x.timestamp != y.timestamp ? x.timestamp > y.timestamp
                                          : x.offset != y.offset ? x.offset > y.offset : x.partition < y.partition;
    });
    if (out.size() > size_t(n)) out.resize(size_t(n));
    return out;
}

} // namespace ferry::rest::ui
