#include "kafka/client_config.hpp"

#include <algorithm>
#include <charconv>
#include <regex>
#include <set>

namespace ferry::kafka {
namespace {

// Java-only keys with no librdkafka meaning (or which Ferry sets itself).
const std::set<std::string, std::less<>> java_only = {
    "key.serializer", "value.serializer", "key.deserializer", "value.deserializer", "max.block.ms",
    "interceptor.classes", "metric.reporters", "metrics.num.samples", "metrics.sample.window.ms",
    "metrics.recording.level", "auto.include.jmx.reporter", "max.poll.records", "default.api.timeout.ms",
    "exclude.internal.topics", "allow.auto.create.topics", "client.dns.lookup", "partitioner.class",
    "partitioner.ignore.keys", "partitioner.adaptive.partitioning.enable", "partitioner.availability.timeout.ms",
    "ssl.truststore.type", "ssl.keystore.type", "ssl.protocol", "ssl.enabled.protocols", "ssl.provider",
    "ssl.trustmanager.algorithm", "ssl.keymanager.algorithm", "ssl.secure.random.implementation",
    "sasl.login.class", "sasl.login.callback.handler.class", "sasl.client.callback.handler.class",
    "security.providers", "internal.leave.group.on.close", "check.crcs", "reconnect.backoff.max.ms",
    "retry.backoff.max.ms", "socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.max.ms",
    "auto.commit.interval.ms.override",
};

// Same meaning, other name.
const std::map<std::string, std::string, std::less<>> renamed = {
    {"max.in.flight.requests.per.connection", "max.in.flight"},
    {"fetch.max.wait.ms", "fetch.wait.max.ms"},
    {"receive.buffer.bytes", "socket.receive.buffer.bytes"},
    {"send.buffer.bytes", "socket.send.buffer.bytes"},
    {"max.partition.fetch.bytes", "max.partition.fetch.bytes"},
    {"ssl.keystore.location", "ssl.keystore.location"},
    {"ssl.keystore.password", "ssl.keystore.password"},
    {"ssl.key.password", "ssl.key.password"},
};

// Keys that belong to one client kind only; librdkafka rejects some of them elsewhere.
const std::set<std::string, std::less<>> producer_only = {
    "acks", "linger.ms", "batch.size", "compression.type", "enable.idempotence", "transactional.id",
    "transaction.timeout.ms", "delivery.timeout.ms", "retries", "request.timeout.ms", "buffer.memory",
    "max.in.flight.requests.per.connection", "max.request.size", "batch.num.messages", "queue.buffering.max.messages",
    "queue.buffering.max.kbytes", "message.timeout.ms", "partitioner", "compression.codec",
};
const std::set<std::string, std::less<>> consumer_only = {
    "group.id", "group.instance.id", "auto.offset.reset", "enable.auto.commit", "auto.commit.interval.ms",
    "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms", "fetch.min.bytes", "fetch.max.bytes",
    "max.partition.fetch.bytes", "fetch.max.wait.ms", "isolation.level", "partition.assignment.strategy",
    "enable.auto.offset.store", "fetch.wait.max.ms",
};

std::string assignment_strategy(const std::string& java) {
    // Java class names -> librdkafka assignor names.
    std::string out;
    size_t pos = 0;
    while (pos <= java.size()) {
        auto comma = java.find(',', pos);
        auto item = java.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        while (!item.empty() && isspace((unsigned char)item.front())) item.erase(item.begin());
        while (!item.empty() && isspace((unsigned char)item.back())) item.pop_back();
        std::string name;
        if (item.find("CooperativeSticky") != std::string::npos) name = "cooperative-sticky";
        else if (item.find("RoundRobin") != std::string::npos || item == "roundrobin") name = "roundrobin";
        else if (item.find("Range") != std::string::npos || item == "range") name = "range";
        else if (item.find("Sticky") != std::string::npos) name = "cooperative-sticky";
        if (!name.empty() && out.find(name) == std::string::npos) out += (out.empty() ? "" : ",") + name;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    // librdkafka cannot mix eager and cooperative assignors.
    if (out.find("cooperative-sticky") != std::string::npos && out != "cooperative-sticky") {
        std::string eager;
        for (auto n : {"range", "roundrobin"})
            if (out.find(n) != std::string::npos) eager += (eager.empty() ? "" : ",") + std::string(n);
        out = eager;
    }
    return out.empty() ? "range,roundrobin" : out;
}

} // namespace

bool is_embedded(const std::string& bootstrap) { return bootstrap.empty() || bootstrap == "embedded"; }

translated_config translate(const properties& in, client_kind kind) {
    translated_config out;
    for (auto& [k, v] : in) {
        if (java_only.count(k)) {
            out.ignored.push_back(k);
            continue;
        }
        if (kind != client_kind::producer && producer_only.count(k)) {
            out.ignored.push_back(k);
            continue;
        }
        if (kind != client_kind::consumer && consumer_only.count(k)) {
            out.ignored.push_back(k);
            continue;
        }
        if (k == "sasl.jaas.config") {
            // org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";
            static const std::regex user_re(R"(username\s*=\s*"([^"]*)\")"), pass_re(R"(password\s*=\s*"([^"]*)\")");
            std::smatch m;
            if (std::regex_search(v, m, user_re)) out.settings["sasl.username"] = m[1];
            if (std::regex_search(v, m, pass_re)) out.settings["sasl.password"] = m[1];
            continue;
        }
        if (k == "ssl.truststore.location") {
            // librdkafka reads PEM CA files; JKS stores cannot be used.
            out.settings["ssl.ca.location"] = v;
            continue;
        }
        if (k == "ssl.truststore.certificates") {
            out.settings["ssl.ca.pem"] = v;
            continue;
        }
        if (k == "ssl.truststore.password") {
            out.ignored.push_back(k);
            continue;
        }
        if (k == "ssl.endpoint.identification.algorithm") {
            out.settings[k] = v.empty() ? "none" : v;
            continue;
        }
        if (k == "buffer.memory") {
            long long bytes = 0;
            auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), bytes);
            if (ec == std::errc() && ptr == v.data() + v.size())
                out.settings["queue.buffering.max.kbytes"] = std::to_string(std::max<long long>(1, bytes / 1024));
            else
                out.ignored.push_back(k);
            continue;
        }
        if (k == "partition.assignment.strategy") {
            out.settings[k] = assignment_strategy(v);
            continue;
        }
        if (k == "max.request.size") {
            out.settings["message.max.bytes"] = v;
            continue;
        }
        if (k == "delivery.timeout.ms" && v == "2147483647") {
            out.settings["message.timeout.ms"] = "0"; // 0 = infinite in librdkafka
            continue;
        }
        if (k == "max.block.ms") continue;
        if (auto r = renamed.find(k); r != renamed.end()) {
            out.settings[r->second] = v;
            continue;
        }
        out.settings[k] = v;
    }
    return out;
}

} // namespace ferry::kafka
