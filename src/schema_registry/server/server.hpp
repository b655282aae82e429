#pragma once
// Ferry's Confluent-compatible Schema Registry: the REST API (application/vnd.schemaregistry.v1+json,
// Confluent's paths, bodies and error codes) over `registry`, whose state lives in the compacted
// Kafka topic `_schemas` (kafkastore.topic) in Confluent's own key/value formats.
//
// Lifecycle: start() creates the topic if needed, reads it from the beginning into memory, then
// serves HTTP on its own thread pool. Every write is appended to the topic and becomes visible
// once it has been read back (see registry.hpp), so a restarted registry - or a Java registry
// pointed at the same topic - sees the same ids and versions. One instance writes; running two
// writers against one topic is not coordinated (Confluent elects a leader; Ferry does not yet).
//
// Used by `ferry schema-registry registry.properties` and embedded in `ferry dev` (127.0.0.1:8081).

#include "base/error.hpp"
#include "kafka/client_config.hpp"
#include "schema_registry/server/registry.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace ferry::storage {
class kafka_log;
}
namespace httplib {
class Server;
}

namespace ferry::schema_registry {

struct server_config {
    std::string host = "0.0.0.0";
    int port = 8081;
    kafka::properties kafka_props; // bootstrap.servers (+ security) for the store
    std::string topic = "_schemas";
    int16_t replication_factor = 1;
    registry_options registry;
    // authentication.method=BASIC: "user:password" pairs accepted (ferry.basic.auth.users).
    std::vector<std::string> basic_auth_users;
    // Tests only: keep the state in memory instead of the Kafka topic.
    bool in_memory = false;
};

// Confluent's schema-registry.properties keys: listeners, host.name/port, kafkastore.bootstrap.servers,
// kafkastore.topic, kafkastore.topic.replication.factor, kafkastore.* client settings,
// schema.compatibility.level, mode (Ferry: authentication.method=BASIC, ferry.basic.auth.users).
result<server_config> server_config_from_properties(const std::map<std::string, std::string>& props);

class server {
public:
    static result<std::unique_ptr<server>> start(server_config cfg);
    ~server();

    int port() const { return _port; }
    std::string url() const;
    registry& state() { return *_registry; }
    void stop();

private:
    server() = default;
    void routes();

    server_config _cfg;
    std::unique_ptr<registry> _registry;
    std::unique_ptr<storage::kafka_log> _log;
    std::unique_ptr<httplib::Server> _http;
    std::thread _thread;
    int _port = 0;
};

} // namespace ferry::schema_registry
