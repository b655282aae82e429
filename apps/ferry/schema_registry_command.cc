// ferry schema-registry registry.properties, and the registry embedded in `ferry dev`.

#include "apps/ferry/commands.hpp"
#include "base/log.hpp"
#include "config/properties.hpp"
#include "schema_registry/server/server.hpp"

#include <csignal>
#include <cstdio>
#include <pthread.h>

namespace ferry::app {

namespace {

log::logger_ptr logger() {
    static auto l = log::get("ferry");
    return l;
}

} // namespace

int schema_registry(const args& a) {
    if (a.empty() || a[0] == "-h" || a[0] == "--help") {
        std::fprintf(a.empty() ? stderr : stdout,
                     "usage: ferry schema-registry registry.properties [--override key=value ...]\n"
                     "  keys: listeners (http://0.0.0.0:8081), kafkastore.bootstrap.servers (required),\n"
                     "        kafkastore.topic (_schemas), kafkastore.topic.replication.factor (1),\n"
                     "        schema.compatibility.level (backward), mode (READWRITE),\n"
                     "        authentication.method (NONE|BASIC) with ferry.basic.auth.users=user:password,...\n");
        return a.empty() ? 1 : 0;
    }
    auto props = config::load_properties(a[0]);
    if (!props) {
        std::fprintf(stderr, "ferry: %s\n", props.error().message.c_str());
        return 2;
    }
    auto map = props->to_map();
    for (size_t i = 1; i < a.size(); i++) {
        if (a[i] == "--override" && i + 1 < a.size()) {
            auto kv = a[++i];
            auto eq = kv.find('=');
            if (eq == std::string::npos) {
                std::fprintf(stderr, "ferry schema-registry: --override needs key=value\n");
                return 1;
            }
            map[kv.substr(0, eq)] = kv.substr(eq + 1);
        } else {
            std::fprintf(stderr, "ferry schema-registry: unknown argument %s\n", a[i].c_str());
            return 1;
        }
    }
    auto cfg = schema_registry::server_config_from_properties(map);
    if (!cfg) {
        std::fprintf(stderr, "ferry: invalid registry configuration: %s\n", cfg.error().message.c_str());
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    auto srv = schema_registry::server::start(std::move(*cfg));
    if (!srv) {
        std::fprintf(stderr, "ferry: %s\n", srv.error().message.c_str());
        return 2;
    }
    std::printf("Schema Registry listening on %s\n", (*srv)->url().c_str());
    std::fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    logger()->info("Received signal {}, stopping the Schema Registry", sig);
    (*srv)->stop();
    return 0;
}

std::shared_ptr<void> start_dev_schema_registry(const std::string& bootstrap,
                                                const std::map<std::string, std::string>& worker_props) {
    std::map<std::string, std::string> p{{"listeners", "http://127.0.0.1:8081"},
                                         {"kafkastore.bootstrap.servers", bootstrap}};
    // Worker properties "schema.registry.<key>" configure the embedded registry (e.g.
    // schema.registry.listeners=http://127.0.0.1:18081); schema.registry.enable=false turns it off.
    for (auto& [k, v] : worker_props) {
        static const std::string prefix = "schema.registry.";
        if (k.rfind(prefix, 0) == 0 && k != "schema.registry.url") p[k.substr(prefix.size())] = v;
    }
    if (p.count("enable") && p["enable"] == "false") return nullptr;
    p.erase("enable");
    auto cfg = schema_registry::server_config_from_properties(p);
    if (!cfg) {
        logger()->warn("Embedded Schema Registry not started: {}", cfg.error().message);
        return nullptr;
    }
    auto srv = schema_registry::server::start(std::move(*cfg));
    if (!srv) {
        logger()->warn("Embedded Schema Registry not started: {}", srv.error().message);
        return nullptr;
    }
    std::shared_ptr<schema_registry::server> s(std::move(*srv));
    return std::shared_ptr<void>(s, s.get());
}

} // namespace ferry::app
