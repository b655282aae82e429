// `ferry broker broker.properties [--override key=value ...]`

#include "base/log.hpp"
#include "broker/broker.hpp"
#include "broker/properties.hpp"

#include <csignal>
#include <cstdio>
#include <pthread.h>

namespace ferry::broker {

int broker_main(const std::vector<std::string>& args) {
    auto log = ferry::log::get("broker");
    std::string file;
    std::map<std::string, std::string> overrides;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        std::string kv;
        if (a == "--override") {
            if (i + 1 >= args.size()) {
                std::fprintf(stderr, "ferry broker: --override needs key=value\n");
                return 2;
            }
            kv = args[++i];
        } else if (a.rfind("--override=", 0) == 0) {
            kv = a.substr(11);
        } else if (a == "-h" || a == "--help") {
            std::printf("usage: ferry broker <broker.properties> [--override key=value ...]\n"
                        "Runs Ferry's single-node Kafka-protocol broker until SIGINT/SIGTERM.\n");
            return 0;
        } else if (file.empty() && a.rfind("--", 0) != 0) {
            file = a;
            continue;
        } else {
            std::fprintf(stderr, "ferry broker: unexpected argument '%s'\n", a.c_str());
            return 2;
        }
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::fprintf(stderr, "ferry broker: --override needs key=value, got '%s'\n", kv.c_str());
            return 2;
        }
        overrides[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    std::map<std::string, std::string> props;
    if (!file.empty()) {
        auto p = read_properties_file(file);
        if (!p) {
            std::fprintf(stderr, "ferry broker: %s\n", p.error().message.c_str());
            return 1;
        }
        props = std::move(*p);
    } else if (overrides.empty()) {
        std::fprintf(stderr, "usage: ferry broker <broker.properties> [--override key=value ...]\n");
        return 2;
    }
    for (auto& [k, v] : overrides)
        props[k] = v;
    auto cfg = broker_config_from_properties(props);
    if (!cfg) {
        std::fprintf(stderr, "ferry broker: %s\n", cfg.error().message.c_str());
        return 1;
    }

    // Block the stop signals before any broker thread exists so that only sigwait() sees them.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    auto b = broker::start(std::move(*cfg));
    if (!b) {
        log->error("broker failed to start: {}", b.error().message);
        return 1;
    }
    std::printf("Ferry broker started: bootstrap.servers=%s port=%u\n", (*b)->bootstrap_servers().c_str(),
                static_cast<unsigned>((*b)->port()));
    std::fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    log->info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    (*b)->stop();
    return 0;
}

} // namespace ferry::broker
