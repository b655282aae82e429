// ferry: one binary, several roles. Wiring only; each role lives in its subsystem.

#include "apps/ferry/commands.hpp"
#include "base/log.hpp"
#include "broker/broker.hpp"

#include <cstdio>
#include <cstring>
#include <map>

namespace {

void usage(FILE* out) {
    std::fprintf(out,
                 "usage: ferry <command> [args]\n"
                 "\n"
                 "commands:\n"
                 "  standalone worker.properties [connector.properties|connector.json ...]\n"
                 "                     run one worker, as connect-standalone does\n"
                 "  distributed worker.properties\n"
                 "                     a worker whose state lives in Kafka, as connect-distributed does\n"
                 "  dev [--examples DIR] [--data-dir DIR] [--rest-port N] [--kafka-listener HOST:PORT]\n"
                 "                     embedded Kafka + worker + REST on 127.0.0.1:8083, for development\n"
                 "  broker broker.properties [--override key=value ...]\n"
                 "                     Ferry's single-node Kafka-protocol broker\n"
                 "  embedded-kafka [--listener HOST:PORT] [--data-dir DIR]\n"
                 "                     only the embedded broker, in its own process\n"
                 "  schema-registry registry.properties\n"
                 "                     Confluent-compatible Schema Registry (state in the _schemas topic)\n"
                 "  plugins            list the built-in connectors, converters, transforms, predicates\n"
                 "  ctl [--url URL] [-o json] connectors|plugins|loggers ...\n"
                 "                     REST client of a worker (ferry ctl --help)\n"
                 "  version            print the version\n");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    std::string cmd = argv[1];
    ferry::app::args rest(argv + 2, argv + argc);
    ferry::log::init();
    if (cmd == "standalone") return ferry::app::standalone(rest);
    if (cmd == "distributed") return ferry::app::distributed(rest);
    if (cmd == "dev") return ferry::app::dev(rest);
    if (cmd == "broker") return ferry::broker::broker_main(rest);
    if (cmd == "embedded-kafka") return ferry::app::embedded_kafka(rest);
    if (cmd == "schema-registry") return ferry::app::schema_registry(rest);
    if (cmd == "plugins") return ferry::app::plugins(rest);
    if (cmd == "ctl") return ferry::app::ctl(rest);
    if (cmd == "version" || cmd == "--version") return ferry::app::version(rest);
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
        usage(stdout);
        return 0;
    }
    std::fprintf(stderr, "ferry: unknown command '%s'\n\n", cmd.c_str());
    usage(stderr);
    return 1;
}
