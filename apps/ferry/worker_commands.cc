// ferry standalone / dev / embedded-kafka / plugins / version.

#include "apps/ferry/commands.hpp"
#include "base/log.hpp"
#include "broker/broker.hpp"
#include "config/connector_file.hpp"
#include "config/properties.hpp"
#include "config/providers.hpp"
#include "kafka/client.hpp"
#include "rest/server.hpp"
#include "rest/ui/ui.hpp"
#include "apps/ferry/plugins.hpp"
#include "runtime/distributed/distributed_herder.hpp"
#include "runtime/distributed/kafka_membership.hpp"
#include "runtime/metrics.hpp"

#include <httplib.h>
#include "runtime/standalone/standalone_herder.hpp"
#include "storage/kafka_offset_store.hpp"
#include "runtime/worker.hpp"

#include <fmt/format.h>

#include <unistd.h>

#ifdef FERRY_MIMALLOC
#include <mimalloc.h>
#endif

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <pthread.h>

namespace ferry::app {

namespace {

// Exit codes of connect-standalone.
constexpr int exit_usage = 1, exit_startup = 2, exit_connector = 3;

log::logger_ptr logger() {
    static auto l = log::get("ferry");
    return l;
}

// SIGINT/SIGTERM are blocked in every thread and awaited by the main thread.
sigset_t block_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

int wait_for_signal(const sigset_t& set) {
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

struct listener_addr {
    std::string scheme = "http";
    std::string host;
    int port = 8083;
};

// "http://:8083" -> {http, "", 8083}
std::optional<listener_addr> parse_listener(const std::string& l) {
    listener_addr a;
    auto p = l.find("://");
    std::string rest = l;
    if (p != std::string::npos) {
        a.scheme = l.substr(0, p);
        rest = l.substr(p + 3);
    }
    auto colon = rest.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    a.host = rest.substr(0, colon);
    try {
        a.port = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    return a;
}

std::string hostname() {
    char buf[256] = {};
    if (gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
    return buf;
}

struct worker_options {
    runtime::worker_mode mode = runtime::worker_mode::standalone;
    config::config_map worker_props;
    std::vector<std::string> connector_files;
    bool dev = false;
};

std::unique_ptr<broker::broker> start_embedded_broker(const std::string& listener, const std::string& data_dir) {
    std::map<std::string, std::string> props{{"listeners", "PLAINTEXT://" + listener}, {"log.dirs", data_dir},
                                             {"group.initial.rebalance.delay.ms", "0"}};
    auto cfg = broker::broker_config_from_properties(props);
    if (!cfg) {
        logger()->error("embedded Kafka: {}", cfg.error().message);
        return nullptr;
    }
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    auto b = broker::broker::start(std::move(*cfg));
    if (!b) {
        logger()->error("embedded Kafka could not start on {}: {}", listener, b.error().message);
        return nullptr;
    }
    logger()->info("Embedded Kafka broker listening on {} (data in {})", (*b)->bootstrap_servers(), data_dir);
    return std::move(*b);
}

int run_worker(worker_options opts) {
    auto signals = block_signals();
    auto transformer = config::config_transformer::from_worker_config(opts.worker_props);
    if (!transformer) {
        std::fprintf(stderr, "ferry: %s\n", transformer.error().message.c_str());
        return exit_startup;
    }
    auto resolved = transformer->transform(opts.worker_props);
    if (!resolved.ok()) {
        for (auto& e : resolved.errors) std::fprintf(stderr, "ferry: %s\n", e.message.c_str());
        return exit_startup;
    }
    for (auto& u : resolved.unresolved)
        logger()->warn("Config {} references {} which could not be resolved: {}", u.key, u.reference, u.reason);
    auto wc = runtime::parse_worker_config(resolved.config, opts.mode);
    if (!wc) {
        std::fprintf(stderr, "ferry: invalid worker configuration: %s\n", wc.error().message.c_str());
        return exit_startup;
    }

    auto plugins = std::make_unique<plugin_registry>();
    runtime::register_all_plugins(*plugins);

    std::unique_ptr<broker::broker> embedded;
    std::string bootstrap = wc->bootstrap_servers();
    if (wc->embedded_kafka()) {
        embedded = start_embedded_broker(wc->values.get_string("embedded.kafka.listener"),
                                         wc->values.get_string("embedded.kafka.data.dir"));
        if (!embedded) return exit_startup;
        bootstrap = embedded->bootstrap_servers();
    }

    // Like Kafka Connect, refuse to start without a reachable Kafka cluster: its id is part of GET /.
    std::string cluster_id;
    {
        auto props = wc->connection_props();
        props["bootstrap.servers"] = bootstrap;
        auto admin = kafka::admin::create(props, "ferry-worker-admin");
        if (!admin) {
            std::fprintf(stderr, "ferry: %s\n", admin.error().message.c_str());
            return exit_startup;
        }
        auto id = (*admin)->cluster_id(30000);
        if (!id) {
            std::fprintf(stderr, "ferry: could not reach Kafka at %s: %s\n", bootstrap.c_str(), id.error().message.c_str());
            return exit_startup;
        }
        cluster_id = *id;
    }

    auto listeners = wc->values.get_list("listeners");
    auto addr = parse_listener(listeners.empty() ? "http://:8083" : listeners.front());
    if (!addr) {
        std::fprintf(stderr, "ferry: invalid listeners value\n");
        return exit_startup;
    }
    std::string adv_host = wc->values.get_string_opt("rest.advertised.host.name").value_or("");
    if (adv_host.empty()) adv_host = addr->host.empty() || addr->host == "0.0.0.0" ? hostname() : addr->host;
    int adv_port = wc->values.is_null("rest.advertised.port") ? addr->port : wc->values.get_int("rest.advertised.port");
    std::string worker_id = fmt::format("{}:{}", adv_host, adv_port);
    std::string worker_url = fmt::format("{}://{}:{}/", addr->scheme, adv_host, adv_port);

    // Stores and herder: in memory + offsets file (standalone), or the three internal topics.
    auto client_props = wc->connection_props();
    client_props["bootstrap.servers"] = bootstrap;
    std::shared_ptr<storage::offset_store> offsets;
    std::unique_ptr<runtime::herder> herder_owner;
    runtime::standalone_herder* standalone = nullptr;
    runtime::distributed_herder* distributed = nullptr;
    std::vector<std::function<void()>> stop_stores;
    if (opts.mode == runtime::worker_mode::standalone) {
        auto file = std::make_shared<storage::file_offset_store>(wc->values.get_string("offset.storage.file.filename"));
        if (auto r = file->start(); !r) {
            std::fprintf(stderr, "ferry: %s\n", r.error().message.c_str());
            return exit_startup;
        }
        offsets = file;
        auto h = std::make_unique<runtime::standalone_herder>(std::make_shared<runtime::memory_status_store>(), offsets,
                                                              cluster_id);
        standalone = h.get();
        herder_owner = std::move(h);
    } else {
        auto& v = wc->values;
        auto group = v.get_string("group.id");
        auto cid = v.get_string("client.id");
        auto client_id = [&](const char* suffix) { return group + (cid.empty() ? "" : "-" + cid) + suffix; };
        auto options = [&](const char* topic_key, const char* rf_key, int32_t partitions, const char* suffix,
                           const char* prefix) {
            storage::kafka_log_options o;
            o.topic = v.get_string(topic_key);
            o.partitions = partitions;
            o.replication_factor = int16_t(v.get_int(rf_key));
            o.client_props = client_props;
            o.client_id = client_id(suffix);
            for (auto& [k, val] : v.originals_with_prefix(prefix)) o.topic_configs[k] = val;
            o.topic_configs.erase("topic");
            o.topic_configs.erase("replication.factor");
            o.topic_configs.erase("partitions");
            return o;
        };
        auto config_opts = options("config.storage.topic", "config.storage.replication.factor", 1, "-configs",
                                   "config.storage.");
        config_opts.require_partitions = true;
        runtime::distributed_stores stores;
        stores.config = std::make_shared<runtime::kafka_config_store>(config_opts);
        stores.offsets = std::make_shared<storage::kafka_offset_store>(
            options("offset.storage.topic", "offset.storage.replication.factor", v.get_int("offset.storage.partitions"),
                    "-offsets", "offset.storage."));
        stores.status = std::make_shared<runtime::kafka_status_store>(
            options("status.storage.topic", "status.storage.replication.factor", v.get_int("status.storage.partitions"),
                    "-statuses", "status.storage."));
        for (auto start : {std::function<result<>()>([&] { return stores.offsets->start(); }),
                           std::function<result<>()>([&] { return stores.status->start(); }),
                           std::function<result<>()>([&] { return stores.config->start(); })}) {
            if (auto r = start(); !r) {
                std::fprintf(stderr, "ferry: %s\n", r.error().message.c_str());
                return exit_startup;
            }
        }
        offsets = stores.offsets;
        stop_stores = {[s = stores.config] { s->stop(); }, [s = stores.status] { s->stop(); },
                       [s = stores.offsets] { s->stop(); }};
        runtime::kafka_membership_config mc;
        mc.group_id = group;
        mc.url = worker_url;
        mc.bootstrap_servers = bootstrap;
        auto sec = kafka::group::security_config::from(wc->connection_props());
        if (!sec) {
            std::fprintf(stderr, "ferry: %s\n", sec.error().message.c_str());
            return exit_startup;
        }
        mc.security = *sec;
        mc.client_id = client_id("");
        mc.protocol = v.get_string("connect.protocol");
        for (auto& ch : mc.protocol) ch = char(std::tolower((unsigned char)ch));
        mc.session_timeout_ms = v.get_int("session.timeout.ms");
        mc.heartbeat_interval_ms = v.get_int("heartbeat.interval.ms");
        mc.rebalance_timeout_ms = v.get_int("rebalance.timeout.ms");
        mc.scheduled_rebalance_max_delay_ms = v.get_int("scheduled.rebalance.max.delay.ms");
        mc.retry_backoff_ms = v.get_long("retry.backoff.ms");
        // The membership calls back into the herder, which owns it: a shared slot breaks the cycle.
        auto hp = std::make_shared<std::atomic<runtime::distributed_herder*>>(nullptr);
        auto membership = std::make_unique<runtime::kafka_membership>(
            mc, [hp] { if (auto* h = hp->load()) h->wake(); },
            [hp, cfg = stores.config]() { return hp->load() ? hp->load()->refresh_snapshot() : cfg->snapshot(); });
        auto h = std::make_unique<runtime::distributed_herder>(stores, std::move(membership), cluster_id, worker_url);
        hp->store(h.get());
        h->set_key_ttl_ms(v.get_int("inter.worker.key.ttl.ms"));
        auto tls = runtime::rest_client_tls_from(v);
        if (!tls) {
            std::fprintf(stderr, "ferry: %s\n", tls.error().message.c_str());
            return exit_startup;
        }
        h->set_rest_client_tls(std::move(*tls));
        h->set_topic_tracking(v.get_bool("topic.tracking.enable"));
        auto admin_props = client_props;
        for (auto& [k, val] : v.originals_with_prefix("admin.")) admin_props[k] = val;
        h->set_admin_props(admin_props);
        distributed = h.get();
        herder_owner = std::move(h);
    }
    runtime::herder& herder = *herder_owner;

    runtime::worker_settings ws;
    ws.plugins = plugins.get();
    ws.config = *wc;
    ws.worker_id = worker_id;
    ws.bootstrap_servers = bootstrap;
    ws.offsets = offsets;
    ws.listener = standalone ? static_cast<runtime::status_listener*>(standalone) : distributed;
    auto shared_transformer = std::make_shared<config::config_transformer>(std::move(*transformer));
    ws.resolve = [shared_transformer](const config::config_map& c) {
        auto r = shared_transformer->transform(c);
        for (auto& e : r.errors) logger()->error("{}", e.message);
        return r.config;
    };
    ws.on_reconfiguration_request = [standalone, distributed](const std::string& c) {
        if (standalone) standalone->request_reconfiguration(c);
        else distributed->request_reconfiguration(c);
    };
    ws.on_connector_error = [standalone, distributed](const std::string& c, const std::string& m) {
        if (standalone) standalone->connector_error(c, m);
        else distributed->connector_error(c, m);
    };
    runtime::worker w(std::move(ws));
    if (standalone) standalone->attach(&w);
    else distributed->attach(&w);
    if (auto r = herder.start(); !r) {
        std::fprintf(stderr, "ferry: %s\n", r.error().message.c_str());
        return exit_startup;
    }

    rest::server_config rc;
    rc.host = addr->host.empty() ? "0.0.0.0" : addr->host;
    rc.port = addr->port;
    rc.version = FERRY_CONNECT_VERSION;
    rc.commit = FERRY_GIT_COMMIT;
    rc.cors_origin = wc->values.get_string("access.control.allow.origin");
    rc.cors_methods = wc->values.get_string("access.control.allow.methods");
    if (!wc->values.is_null("admin.listeners") && wc->values.get_list("admin.listeners").empty()) rc.admin_enabled = false;
    if (auto r = rest::configure_listener(rc, wc->values, addr->scheme == "https"); !r) {
        std::fprintf(stderr, "ferry: %s\n", r.error().message.c_str());
        herder.stop();
        return exit_startup;
    }
    rest::server rest(rc, herder);
    if (wc->values.get_bool("metrics.enable")) {
        broker::broker* b = embedded.get();
        rest.add_get("/metrics", [&w, &herder, b](const httplib::Request&, httplib::Response& res) {
            auto text = runtime::render_metrics(w, herder);
            if (b) text += b->metrics_text(); // the embedded broker's own metrics, same scrape
            res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
        });
    }
    rest::register_ui(rest, herder, {worker_id, standalone ? "standalone" : "distributed", client_props, resolved.config});
    if (auto r = rest.start(); !r) {
        std::fprintf(stderr, "ferry: %s\n", r.error().message.c_str());
        herder.stop();
        return exit_startup;
    }

    auto schema_registry = opts.dev ? start_dev_schema_registry(bootstrap, resolved.config) : nullptr;
    int code = 0;
    for (auto& f : opts.connector_files) {
        auto def = config::load_connector_file(f);
        if (!def) {
            logger()->error("{}", def.error().message);
            code = exit_connector;
            break;
        }
        std::optional<runtime::target_state> initial;
        if (def->initial)
            initial = *def->initial == config::initial_state::paused    ? runtime::target_state::paused
                      : *def->initial == config::initial_state::stopped ? runtime::target_state::stopped
                                                                        : runtime::target_state::started;
        auto r = herder.put_connector_config(def->name, def->config, false, initial);
        if (!r) {
            logger()->error("Failed to create connector for {}: {}", f, r.error().message);
            code = exit_connector;
            break;
        }
        logger()->info("Created connector {}", def->name);
    }

    if (code == 0) {
        if (opts.dev) {
            std::printf("\nFerry is running.\n"
                        "  REST API:       %s  (try: curl -s %sconnectors?expand=status)\n"
                        "  Kafka:          %s  (try: kcat -b %s -L)\n"
                        "Press Ctrl-C to stop.\n\n",
                        rest.url().c_str(), rest.url().c_str(), bootstrap.c_str(), bootstrap.c_str());
            std::fflush(stdout);
        }
        int sig = wait_for_signal(signals);
        logger()->info("Received signal {}, shutting down", sig);
    }
    rest.stop();
    herder.stop();
    w.stop_all();
    for (auto& stop : stop_stores) stop();
    schema_registry.reset();
    if (embedded) embedded->stop();
    logger()->info("Stopped");
    return code;
}

} // namespace

int standalone(const args& a) {
    if (a.empty() || a[0] == "-h" || a[0] == "--help") {
        std::fprintf(a.empty() ? stderr : stdout,
                     "usage: ferry standalone worker.properties [connector1.properties connector2.json ...]\n");
        return a.empty() ? exit_usage : 0;
    }
    auto props = config::load_properties(a[0]);
    if (!props) {
        std::fprintf(stderr, "ferry: %s\n", props.error().message.c_str());
        return exit_startup;
    }
    worker_options o;
    o.worker_props = props->to_map();
    o.connector_files.assign(a.begin() + 1, a.end());
    return run_worker(std::move(o));
}

int distributed(const args& a) {
    if (a.size() != 1 || a[0] == "-h" || a[0] == "--help") {
        std::fprintf(a.empty() ? stderr : stdout, "usage: ferry distributed worker.properties\n");
        return a.empty() ? exit_usage : 0;
    }
    auto props = config::load_properties(a[0]);
    if (!props) {
        std::fprintf(stderr, "ferry: %s\n", props.error().message.c_str());
        return exit_startup;
    }
    worker_options o;
    o.mode = runtime::worker_mode::distributed;
    o.worker_props = props->to_map();
    return run_worker(std::move(o));
}

int dev(const args& a) {
    std::string examples, data_dir = "/tmp/ferry/dev", kafka = "127.0.0.1:9092", rest_port = "8083", config_file;
    for (size_t i = 0; i < a.size(); i++) {
        auto next = [&](std::string& out) {
            if (i + 1 >= a.size()) return false;
            out = a[++i];
            return true;
        };
        bool ok = true;
        if (a[i] == "--examples") ok = next(examples);
        else if (a[i] == "--data-dir") ok = next(data_dir);
        else if (a[i] == "--kafka-listener") ok = next(kafka);
        else if (a[i] == "--rest-port") ok = next(rest_port);
        else if (a[i] == "--config") ok = next(config_file);
        else {
            std::fprintf(stderr, "usage: ferry dev [--examples DIR] [--data-dir DIR] [--rest-port N] "
                                 "[--kafka-listener HOST:PORT] [--config worker.properties]\n");
            return exit_usage;
        }
        if (!ok) {
            std::fprintf(stderr, "ferry dev: %s needs a value\n", a[i].c_str());
            return exit_usage;
        }
    }
    worker_options o;
    o.dev = true;
    o.worker_props = {
        {"bootstrap.servers", "embedded"},
        {"embedded.kafka.listener", kafka},
        {"embedded.kafka.data.dir", data_dir + "/kafka"},
        {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
        {"value.converter.schemas.enable", "false"},
        {"offset.storage.file.filename", data_dir + "/connect.offsets"},
        {"offset.flush.interval.ms", "5000"},
        {"listeners", "http://127.0.0.1:" + rest_port},
        {"rest.advertised.host.name", "127.0.0.1"},
    };
    if (!config_file.empty()) {
        auto props = config::load_properties(config_file);
        if (!props) {
            std::fprintf(stderr, "ferry: %s\n", props.error().message.c_str());
            return exit_startup;
        }
        for (auto& [k, v] : props->to_map()) o.worker_props[k] = v;
    }
    if (!examples.empty()) {
        std::error_code ec;
        std::vector<std::string> files;
        for (auto& e : std::filesystem::directory_iterator(examples, ec)) {
            auto ext = e.path().extension().string();
            if (ext == ".properties" || ext == ".json") files.push_back(e.path().string());
        }
        if (ec) {
            std::fprintf(stderr, "ferry dev: cannot read %s: %s\n", examples.c_str(), ec.message().c_str());
            return exit_startup;
        }
        std::sort(files.begin(), files.end());
        o.connector_files = files;
    }
    return run_worker(std::move(o));
}

int embedded_kafka(const args& a) {
    std::string listener = "127.0.0.1:9092", data_dir = "/tmp/ferry/kafka";
    for (size_t i = 0; i < a.size(); i++) {
        if (a[i] == "--listener" && i + 1 < a.size()) listener = a[++i];
        else if (a[i] == "--data-dir" && i + 1 < a.size()) data_dir = a[++i];
        else {
            std::fprintf(stderr, "usage: ferry embedded-kafka [--listener HOST:PORT] [--data-dir DIR]\n");
            return exit_usage;
        }
    }
    auto signals = block_signals();
    auto b = start_embedded_broker(listener, data_dir);
    if (!b) return exit_startup;
    // Tests read the address from stdout.
    std::printf("%s\n", b->bootstrap_servers().c_str());
    std::fflush(stdout);
    wait_for_signal(signals);
    b->stop();
    return 0;
}

int plugins(const args&) {
    plugin_registry r;
    runtime::register_all_plugins(r);
    for (auto t : {plugin_type::source, plugin_type::sink, plugin_type::converter, plugin_type::header_converter,
                   plugin_type::transformation, plugin_type::predicate}) {
        for (auto* p : r.list(t)) {
            std::string aliases;
            for (auto& al : p->aliases) aliases += (aliases.empty() ? "" : ", ") + al;
            std::printf("%-17s %s%s\n", std::string(plugin_type_name(t)).c_str(), p->class_name.c_str(),
                        aliases.empty() ? "" : (" (" + aliases + ")").c_str());
        }
    }
    return 0;
}

// Which allocator serves this process's malloc: mimalloc only counts if it really replaced glibc's
// (a block from malloc() lies in mimalloc's heap), which is what the version line states.
static std::string allocator_description() {
#ifdef FERRY_MIMALLOC
    auto* p = static_cast<char*>(std::malloc(64));
    if (p) p[0] = 0; // written, so the check below reads an initialized block
    bool overridden = p && mi_is_in_heap_region(p);
    std::free(p);
    int v = mi_version();
    return fmt::format("mimalloc {}.{}.{}{}", v / 100, v / 10 % 10, v % 10,
                       overridden ? "" : " (linked, but not serving malloc)");
#else
    return "glibc malloc";
#endif
}

int version(const args&) {
    std::printf("ferry %s (Kafka Connect REST API %s, commit %s)\nallocator: %s\n", FERRY_VERSION,
                FERRY_CONNECT_VERSION, FERRY_GIT_COMMIT, allocator_description().c_str());
    return 0;
}

} // namespace ferry::app
