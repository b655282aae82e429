// A mock data source compatible with confluentinc/kafka-connect-datagen's keys and quickstarts
// (users, pageviews, orders), used by the quickstart and by benchmarks. Records are Connect
// structs named like datagen's Avro records (ksql.users ...), keyed by the quickstart's key field.

#include "base/log.hpp"
#include "ferry/plugin.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

namespace ferry::plugins::datagen {

using namespace config;

namespace {

constexpr const char* connector_class = "io.confluent.kafka.connect.datagen.DatagenConnector";
constexpr const char* task_class_name = "io.confluent.kafka.connect.datagen.DatagenTask";

const config_def& definition() {
    static const config_def d =
        config_def()
            .define({.name = "kafka.topic", .type = config_type::string, .def = "", .imp = importance::high,
                     .doc = "Topic to write to"})
            .define({.name = "max.interval", .type = config_type::long_, .def = "500", .valid = validators::at_least(0),
                     .imp = importance::high, .doc = "Max interval between messages (ms)"})
            .define({.name = "iterations", .type = config_type::int_, .def = "-1", .imp = importance::high,
                     .doc = "Number of messages to send from each task, or less than 1 for unlimited"})
            .define({.name = "schema.string", .type = config_type::string, .def = "", .imp = importance::high,
                     .doc = "The literal JSON-encoded Avro schema to use. Cannot be set with schema.filename or "
                            "quickstart. (Not supported by Ferry yet.)"})
            .define({.name = "schema.filename", .type = config_type::string, .def = "", .imp = importance::high,
                     .doc = "Filename of schema to use. Cannot be set with schema.string or quickstart. (Not "
                            "supported by Ferry yet.)"})
            .define({.name = "schema.keyfield", .type = config_type::string, .def = "", .imp = importance::high,
                     .doc = "Name of field to use as the message key"})
            .define({.name = "quickstart", .type = config_type::string, .def = "",
                     .valid = validators::one_of({"", "users", "pageviews", "orders"}, false), .imp = importance::high,
                     .doc = "Name of quickstart to use: users, pageviews or orders"})
            .define({.name = "random.seed", .type = config_type::long_, .def = null_default, .imp = importance::low,
                     .doc = "Seed for the random generator (each task adds its id), for reproducible data"});
    return d;
}

struct quickstart {
    schema_ptr value_schema;
    std::string key_field;
};

schema_ptr address_schema() {
    static auto s = schema_builder::struct_()
                        .name("ksql.address")
                        .field("city", schemas::string())
                        .field("state", schemas::string())
                        .field("zipcode", schemas::int64())
                        .build();
    return s;
}

std::optional<quickstart> quickstart_of(const std::string& name) {
    if (name == "users") {
        static auto s = schema_builder::struct_()
                            .name("ksql.users")
                            .field("registertime", schemas::int64())
                            .field("userid", schemas::string())
                            .field("regionid", schemas::string())
                            .field("gender", schemas::string())
                            .build();
        return quickstart{s, "userid"};
    }
    if (name == "pageviews") {
        static auto s = schema_builder::struct_()
                            .name("ksql.pageviews")
                            .field("viewtime", schemas::int64())
                            .field("userid", schemas::string())
                            .field("pageid", schemas::string())
                            .build();
        return quickstart{s, "viewtime"};
    }
    if (name == "orders") {
        static auto s = schema_builder::struct_()
                            .name("ksql.orders")
                            .field("ordertime", schemas::int64())
                            .field("orderid", schemas::int32())
                            .field("itemid", schemas::string())
                            .field("orderunits", schemas::float64())
                            .field("address", address_schema())
                            .build();
        return quickstart{s, "orderid"};
    }
    return std::nullopt;
}

std::vector<config_validation> check(const config_map& props) {
    auto out = definition().validate(props);
    auto get = [&](const char* k) {
        auto it = props.find(k);
        return it == props.end() ? std::string() : it->second;
    };
    auto add = [&](const char* key, std::string msg) {
        for (auto& v : out)
            if (v.name == key) {
                v.errors.push_back(std::move(msg));
                return;
            }
    };
    if (!get("schema.string").empty())
        add("schema.string", "schema.string is not supported by Ferry's datagen yet; use quickstart=users|pageviews|orders");
    if (!get("schema.filename").empty())
        add("schema.filename", "schema.filename is not supported by Ferry's datagen yet; use quickstart=users|pageviews|orders");
    if (get("quickstart").empty() && get("schema.string").empty() && get("schema.filename").empty())
        add("quickstart", "One of quickstart, schema.string or schema.filename must be set");
    if (get("kafka.topic").empty()) add("kafka.topic", "kafka.topic must be set");
    return out;
}

void throw_if_invalid(const config_map& props) {
    for (auto& v : check(props))
        if (!v.errors.empty()) throw config_error(fmt::format("Invalid value for configuration {}: {}", v.name, v.errors[0]));
}

class datagen_connector : public source_connector {
public:
    std::string version() const override { return FERRY_VERSION; }
    void start(const config_map& cfg) override {
        throw_if_invalid(cfg);
        _cfg = cfg;
    }
    std::string task_class() const override { return task_class_name; }
    std::vector<config_map> task_configs(int max_tasks) override {
        std::vector<config_map> out;
        for (int i = 0; i < max_tasks; i++) {
            auto c = _cfg;
            c["task.id"] = std::to_string(i);
            out.push_back(std::move(c));
        }
        return out;
    }
    void stop() override {}
    const config_def& config() const override { return definition(); }
    std::vector<config_validation> validate(const config_map& props) const override { return check(props); }

private:
    config_map _cfg;
};

class datagen_task : public source_task {
public:
    std::string version() const override { return FERRY_VERSION; }

    void start(const config_map& cfg) override {
        throw_if_invalid(cfg);
        auto v = definition().parse(cfg);
        _topic = v.get_string("kafka.topic");
        _max_interval = v.get_long("max.interval");
        _iterations = v.get_int("iterations");
        auto qs = quickstart_of(v.get_string("quickstart"));
        _qs_name = v.get_string("quickstart");
        _schema = qs->value_schema;
        _key_field = v.get_string("schema.keyfield").empty() ? qs->key_field : v.get_string("schema.keyfield");
        auto kf = _schema->find_field(_key_field);
        if (!kf) throw config_error(fmt::format("schema.keyfield '{}' is not a field of the schema", _key_field));
        _key_schema = kf->schema;
        auto tid = cfg.count("task.id") ? std::atoi(cfg.at("task.id").c_str()) : 0;
        if (!v.is_null("random.seed")) _rng.seed(uint64_t(v.get_long("random.seed")) + uint64_t(tid));
        else _rng.seed(std::random_device{}());
        value::map_type p;
        p.emplace_back(value("task.id"), value(int32_t(tid)));
        _partition = value(std::move(p));
        auto off = context().offset_reader().offset(_partition);
        if (off.type() == value::kind::map) {
            if (auto c = off.map_get("current.iteration"); c && c->is_integer()) _count = c->to_int64();
            if (auto g = off.map_get("task.generation"); g && g->is_integer()) _generation = g->to_int64() + 1;
        }
    }

    void poll(std::vector<source_record>& out) override {
        if (_iterations > 0 && _count >= _iterations) {
            wait(std::chrono::milliseconds(1000));
            return;
        }
        if (_max_interval > 0) {
            std::uniform_int_distribution<int64_t> d(0, _max_interval - 1);
            wait(std::chrono::milliseconds(d(_rng)));
            if (_stopping) return;
            out.push_back(make_record());
            return;
        }
        // max.interval=0: as fast as possible, in batches.
        int64_t n = 1000;
        if (_iterations > 0) n = std::min<int64_t>(n, _iterations - _count);
        out.reserve(size_t(n));
        for (int64_t i = 0; i < n; i++) out.push_back(make_record());
    }

    void stop() override {
        std::lock_guard g(_mu);
        _stopping = true;
        _cv.notify_all();
    }

private:
    std::string pick(const char* prefix, int lo, int hi) {
        std::uniform_int_distribution<int> d(lo, hi);
        int n = d(_rng);
        return n == 0 ? std::string(prefix) : fmt::format("{}{}", prefix, n);
    }
    int64_t range(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi - 1)(_rng); }

    source_record make_record() {
        auto s = make_struct(_schema);
        if (_qs_name == "users") {
            s->put_unchecked(0, value(range(1487715775521, 1519273364600)));
            s->put_unchecked(1, value(pick("User_", 0, 9)));
            s->put_unchecked(2, value(pick("Region_", 0, 9)));
            static const char* genders[] = {"MALE", "FEMALE", "OTHER"};
            s->put_unchecked(3, value(genders[range(0, 3)]));
        } else if (_qs_name == "pageviews") {
            s->put_unchecked(0, value(int64_t(1 + 10 * _count)));
            s->put_unchecked(1, value(pick("User_", 0, 9)));
            s->put_unchecked(2, value(fmt::format("Page_{}", range(1, 100))));
        } else {
            s->put_unchecked(0, value(range(1487715775521, 1519273364600)));
            s->put_unchecked(1, value(int32_t(_count)));
            s->put_unchecked(2, value(fmt::format("Item_{}", range(1, 1000))));
            s->put_unchecked(3, value(0.1 + std::uniform_real_distribution<double>(0, 9.9)(_rng)));
            auto a = make_struct(address_schema());
            a->put_unchecked(0, value(pick("City_", 0, 99)));
            a->put_unchecked(1, value(pick("State_", 0, 99)));
            a->put_unchecked(2, value(range(10000, 100000)));
            s->put_unchecked(4, value(a));
        }
        source_record r;
        r.topic = _topic;
        r.key_schema = _key_schema;
        r.key = s->get(_key_field);
        r.value_schema = _schema;
        r.val = value(s);
        _count++;
        r.source_partition = _partition;
        value::map_type o;
        o.emplace_back(value("task.generation"), value(int64_t(_generation)));
        o.emplace_back(value("current.iteration"), value(int64_t(_count)));
        r.source_offset = value(std::move(o));
        return r;
    }

    template <class D>
    void wait(D d) {
        std::unique_lock l(_mu);
        _cv.wait_for(l, d, [&] { return _stopping.load(); });
    }

    std::string _topic, _qs_name, _key_field;
    int64_t _max_interval = 500;
    int64_t _iterations = -1;
    int64_t _count = 0, _generation = 0;
    schema_ptr _schema, _key_schema;
    shared_value _partition;
    std::mt19937_64 _rng;
    std::mutex _mu;
    std::condition_variable _cv;
    std::atomic<bool> _stopping{false};
};

} // namespace
} // namespace ferry::plugins::datagen

namespace ferry {
void register_datagen(plugin_registry& r) {
    using namespace plugins::datagen;
    r.add_source_connector({connector_class, {"DatagenConnector", "Datagen"}, plugin_type::source, FERRY_VERSION, definition},
                           [] { return std::make_unique<datagen_connector>(); });
    r.add_source_task(task_class_name, [] { return std::make_unique<datagen_task>(); });
}
} // namespace ferry
