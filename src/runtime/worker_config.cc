#include "runtime/worker_config.hpp"

#include "kafka/client_config.hpp"

#include <algorithm>
#include <cctype>

namespace ferry::runtime {

using namespace config;

namespace {

config_def common_def() {
    config_def d;
    // The aliases, the simple class names and the class names Java takes (its plugin loader
    // accepts all three forms: guides mostly write the full class name).
    std::vector<std::string> policies;
    for (const char* alias : {"All", "None", "Principal"}) {
        policies.push_back(alias);
        policies.push_back(std::string(alias) + "ConnectorClientConfigOverridePolicy");
        policies.push_back("org.apache.kafka.connect.connector.policy." + policies.back());
    }
    auto valid_policy = validators::one_of(std::move(policies), false);
    d.define({.name = "bootstrap.servers", .type = config_type::list, .def = "embedded", .imp = importance::high,
              .doc = "Kafka brokers to connect to (host:port,...). 'embedded' (Ferry) starts Ferry's own broker in "
                     "process, listening on embedded.kafka.listener."})
        .define({.name = "key.converter", .type = config_type::class_, .def = no_default, .imp = importance::high,
                 .doc = "Converter class for record keys, e.g. org.apache.kafka.connect.json.JsonConverter."})
        .define({.name = "value.converter", .type = config_type::class_, .def = no_default, .imp = importance::high,
                 .doc = "Converter class for record values."})
        .define({.name = "header.converter", .type = config_type::class_,
                 .def = "org.apache.kafka.connect.storage.SimpleHeaderConverter", .imp = importance::low,
                 .doc = "HeaderConverter class for record headers."})
        .define({.name = "offset.flush.interval.ms", .type = config_type::long_, .def = "60000",
                 .valid = validators::at_least(0), .imp = importance::low,
                 .doc = "Interval at which to commit source offsets and sink consumer offsets."})
        .define({.name = "offset.flush.timeout.ms", .type = config_type::long_, .def = "5000",
                 .valid = validators::at_least(0), .imp = importance::low,
                 .doc = "Maximum time to wait for records to be acknowledged before an offset commit is abandoned."})
        .define({.name = "task.shutdown.graceful.timeout.ms", .type = config_type::long_, .def = "5000",
                 .valid = validators::at_least(0), .imp = importance::low,
                 .doc = "Time to wait for tasks to shut down gracefully (total for all tasks)."})
        .define({.name = "plugin.path", .type = config_type::list, .def = null_default, .imp = importance::low,
                 .doc = "Accepted for compatibility. Ferry's plugins are compiled in; no classpath scanning."})
        .define({.name = "plugin.discovery", .type = config_type::string, .def = "hybrid_warn",
                 .valid = validators::one_of({"only_scan", "hybrid_warn", "hybrid_fail", "service_load"}, false),
                 .imp = importance::low, .doc = "Accepted for compatibility; has no effect in Ferry."})
        .define({.name = "listeners", .type = config_type::list, .def = "http://:8083", .imp = importance::low,
                 .doc = "REST listeners, e.g. http://:8083,https://0.0.0.0:8443. An empty host binds all interfaces."})
        .define({.name = "rest.advertised.host.name", .type = config_type::string, .def = null_default,
                 .imp = importance::low, .doc = "Host name given to other workers and used in worker_id."})
        .define({.name = "rest.advertised.port", .type = config_type::int_, .def = null_default,
                 .imp = importance::low, .doc = "Port given to other workers and used in worker_id."})
        .define({.name = "rest.advertised.listener", .type = config_type::string, .def = null_default,
                 .imp = importance::low, .doc = "http or https: the listener given to other workers."})
        .define({.name = "admin.listeners", .type = config_type::list, .def = null_default, .imp = importance::low,
                 .doc = "Listeners for /admin endpoints; empty disables them; null serves them on listeners."})
        .define({.name = "access.control.allow.origin", .type = config_type::string, .def = "",
                 .imp = importance::low, .doc = "CORS allowed origin; empty disables CORS."})
        .define({.name = "access.control.allow.methods", .type = config_type::string, .def = "",
                 .imp = importance::low, .doc = "CORS allowed methods."})
        .define({.name = "rest.extension.classes", .type = config_type::list, .def = "", .imp = importance::low,
                 .doc = "Accepted for compatibility; Java REST extensions cannot be loaded."})
        .define({.name = "response.http.headers.config", .type = config_type::string, .def = "",
                 .imp = importance::low, .doc = "Extra HTTP response headers: 'set Name: value, add Name: value'."})
        .define({.name = "config.providers", .type = config_type::list, .def = "", .imp = importance::low,
                 .doc = "Names of ConfigProviders: config.providers.<name>.class and .param.*"})
        .define({.name = "connector.client.config.override.policy", .type = config_type::string, .def = "All",
                 .valid = valid_policy, .imp = importance::medium,
                 .doc = "Which client overrides connectors may set: All, None or Principal (or the class names "
                        "org.apache.kafka.connect.connector.policy.<Alias>ConnectorClientConfigOverridePolicy)."})
        .define({.name = "topic.creation.enable", .type = config_type::boolean, .def = "true", .imp = importance::low,
                 .doc = "Whether source connectors may create topics with topic.creation.* settings."})
        .define({.name = "topic.tracking.enable", .type = config_type::boolean, .def = "true", .imp = importance::low,
                 .doc = "Track the topics used by each connector."})
        .define({.name = "topic.tracking.allow.reset", .type = config_type::boolean, .def = "true",
                 .imp = importance::low, .doc = "Allow resetting a connector's active topics."})
        .define({.name = "client.id", .type = config_type::string, .def = "", .imp = importance::low,
                 .doc = "Client id prefix for the worker's internal clients."})
        .define({.name = "embedded.kafka.listener", .type = config_type::string, .def = "127.0.0.1:9092",
                 .imp = importance::medium,
                 .doc = "Ferry: host:port of the embedded broker started when bootstrap.servers=embedded."})
        .define({.name = "embedded.kafka.data.dir", .type = config_type::string, .def = "/tmp/ferry/kafka",
                 .imp = importance::medium, .doc = "Ferry: data directory of the embedded broker."})
        .define({.name = "metrics.enable", .type = config_type::boolean, .def = "true", .imp = importance::low,
                 .doc = "Ferry: serve Prometheus metrics on GET /metrics."});
    return d;
}

} // namespace

const config_def& worker_config_def(worker_mode mode) {
    static const config_def standalone = [] {
        auto d = common_def();
        d.define({.name = "offset.storage.file.filename", .type = config_type::string, .def = no_default,
                  .imp = importance::high, .doc = "File to store source connector offsets in."});
        return d;
    }();
    static const config_def distributed = [] {
        auto d = common_def();
        d.define({.name = "group.id", .type = config_type::string, .def = no_default, .imp = importance::high,
                  .doc = "Identifies the Connect cluster group this worker belongs to."})
            .define({.name = "config.storage.topic", .type = config_type::string, .def = no_default,
                     .imp = importance::high, .doc = "Topic storing connector and task configurations."})
            .define({.name = "offset.storage.topic", .type = config_type::string, .def = no_default,
                     .imp = importance::high, .doc = "Topic storing source connector offsets."})
            .define({.name = "status.storage.topic", .type = config_type::string, .def = no_default,
                     .imp = importance::high, .doc = "Topic storing connector and task statuses."})
            .define({.name = "config.storage.replication.factor", .type = config_type::short_, .def = "3",
                     .imp = importance::low, .doc = "Replication factor of the config topic (-1 = broker default)."})
            .define({.name = "offset.storage.replication.factor", .type = config_type::short_, .def = "3",
                     .imp = importance::low, .doc = "Replication factor of the offsets topic."})
            .define({.name = "offset.storage.partitions", .type = config_type::int_, .def = "25",
                     .imp = importance::low, .doc = "Partitions of the offsets topic."})
            .define({.name = "status.storage.replication.factor", .type = config_type::short_, .def = "3",
                     .imp = importance::low, .doc = "Replication factor of the status topic."})
            .define({.name = "status.storage.partitions", .type = config_type::int_, .def = "5", .imp = importance::low,
                     .doc = "Partitions of the status topic."})
            .define({.name = "session.timeout.ms", .type = config_type::int_, .def = "10000", .imp = importance::high,
                     .doc = "Group session timeout."})
            .define({.name = "heartbeat.interval.ms", .type = config_type::int_, .def = "3000",
                     .imp = importance::high, .doc = "Heartbeat interval."})
            .define({.name = "rebalance.timeout.ms", .type = config_type::int_, .def = "60000",
                     .imp = importance::high, .doc = "Maximum time for a rebalance."})
            .define({.name = "scheduled.rebalance.max.delay.ms", .type = config_type::int_, .def = "300000",
                     .valid = validators::at_least(0), .imp = importance::low,
                     .doc = "How long a departed worker's work is held for its return."})
            .define({.name = "connect.protocol", .type = config_type::string, .def = "sessioned",
                     .valid = validators::one_of({"eager", "compatible", "sessioned"}, false), .imp = importance::low,
                     .doc = "Group protocol: eager, compatible or sessioned."})
            .define({.name = "exactly.once.source.support", .type = config_type::string, .def = "disabled",
                     .valid = validators::one_of({"disabled", "preparing", "enabled"}, false), .imp = importance::high,
                     .doc = "Exactly-once support for source connectors."})
            .define({.name = "worker.sync.timeout.ms", .type = config_type::int_, .def = "3000",
                     .imp = importance::medium, .doc = "Time to catch up with the config topic before leaving."})
            .define({.name = "worker.unsync.backoff.ms", .type = config_type::int_, .def = "300000",
                     .imp = importance::medium, .doc = "Back-off before rejoining after a failed catch-up."})
            .define({.name = "inter.worker.key.generation.algorithm", .type = config_type::string,
                     .def = "HmacSHA256", .imp = importance::low, .doc = "Session key algorithm."})
            .define({.name = "inter.worker.signature.algorithm", .type = config_type::string, .def = "HmacSHA256",
                     .imp = importance::low, .doc = "Signature algorithm of internal requests."})
            .define({.name = "inter.worker.verification.algorithms", .type = config_type::list,
                     .def = "HmacSHA256", .imp = importance::low, .doc = "Accepted signature algorithms."})
            .define({.name = "inter.worker.key.ttl.ms", .type = config_type::int_, .def = "3600000",
                     .imp = importance::low, .doc = "Session key rotation period."})
            .define({.name = "inter.worker.key.size", .type = config_type::int_, .def = null_default,
                     .imp = importance::low, .doc = "Session key size in bits (algorithm default when null)."})
            .define({.name = "metadata.max.age.ms", .type = config_type::long_, .def = "300000",
                     .imp = importance::low, .doc = "Metadata refresh period of the group member."})
            .define({.name = "request.timeout.ms", .type = config_type::int_, .def = "40000", .imp = importance::low,
                     .doc = "Request timeout of the group member."})
            .define({.name = "retry.backoff.ms", .type = config_type::long_, .def = "100", .imp = importance::low,
                     .doc = "Back-off between retries of the group member."});
        return d;
    }();
    return mode == worker_mode::standalone ? standalone : distributed;
}

std::string worker_config::bootstrap_servers() const {
    auto& l = values.get_list("bootstrap.servers");
    std::string s;
    for (auto& x : l) s += (s.empty() ? "" : ",") + x;
    return s.empty() ? "embedded" : s;
}

std::string worker_config::override_policy() const {
    std::string v = values.get_string("connector.client.config.override.policy");
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    std::string_view alias = v;
    if (alias.starts_with("org.apache.kafka.connect.connector.policy.")) alias.remove_prefix(42);
    if (alias.ends_with("connectorclientconfigoverridepolicy")) alias.remove_suffix(35);
    if (alias == "none") return "None";
    if (alias == "principal") return "Principal";
    return "All"; // the validator admits nothing else
}

bool worker_config::override_allowed(std::string_view key) const {
    auto policy = override_policy();
    if (policy == "All") return true;
    if (policy == "Principal") return key == "sasl.jaas.config" || key == "sasl.mechanism" || key == "security.protocol";
    return false;
}

bool worker_config::embedded_kafka() const { return kafka::is_embedded(bootstrap_servers()); }

config_map worker_config::connection_props() const {
    config_map out;
    for (auto& [k, v] : raw) {
        if (k.starts_with("security.") || k.starts_with("ssl.") || k.starts_with("sasl.") ||
            k == "client.dns.lookup" || k == "metadata.max.age.ms" || k == "reconnect.backoff.ms" ||
            k == "retry.backoff.ms" || k == "request.timeout.ms" || k == "connections.max.idle.ms")
            out[k] = v;
    }
    out["bootstrap.servers"] = bootstrap_servers();
    return out;
}

config_map worker_config::client_props(std::string_view prefix) const {
    auto out = connection_props();
    for (auto& [k, v] : values.originals_with_prefix(prefix)) out[k] = v;
    return out;
}

result<worker_config> parse_worker_config(const config_map& raw, worker_mode mode) {
    worker_config wc;
    wc.mode = mode;
    wc.raw = raw;
    try {
        wc.values = worker_config_def(mode).parse(raw);
    } catch (const connect_error& e) {
        return fail(errc::invalid_argument, "{}", e.what());
    }
    return wc;
}

} // namespace ferry::runtime
