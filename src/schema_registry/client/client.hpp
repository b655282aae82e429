#pragma once
// The Schema Registry client used by the Avro converter (Confluent's CachedSchemaRegistryClient).
//
// Calls: register a schema under a subject (POST /subjects/{s}/versions), look a schema up in a
// subject (POST /subjects/{s}), fetch a schema by id (GET /schemas/ids/{id}) and the latest
// version of a subject (GET /subjects/{s}/versions/latest). Results are cached: by id (schemas
// never change for an id), by (subject, schema text) for registrations and lookups, so a stream
// of records with one schema costs one HTTP call in total. The latest version is cached for
// `latest_ttl` (Confluent's latest.cache.ttl.sec; default: forever, as in Confluent).
//
// Several URLs (schema.registry.url is a comma list) are tried in turn: a connection failure or
// a 5xx moves on to the next URL, and the URL that answered becomes the first to try. A 4xx is
// the registry's answer and is returned at once as a registry_error with Confluent's error_code.
//
// Basic auth: basic.auth.credentials.source=USER_INFO with basic.auth.user.info=user:password, or
// URL (credentials in the URL's user-info). Credentials are never logged or put into messages.
//
// Threading: not thread-safe; a converter (one per task) owns its client.

#include "base/error.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ferry::schema_registry {

struct client_config {
    std::vector<std::string> urls;        // http://host:port[/prefix]
    std::optional<std::string> user_info; // "user:password"
    std::chrono::milliseconds timeout{30000};
    size_t cache_capacity = 1000; // entries per cache (ids, registrations)
    std::optional<std::chrono::seconds> latest_ttl;
};

// Parses the converter/serializer keys: schema.registry.url, basic.auth.credentials.source,
// basic.auth.user.info (also schema.registry.basic.auth.user.info), latest.cache.ttl.sec.
result<client_config> client_config_from(const std::map<std::string, std::string>& props);

struct registered_schema {
    std::string subject;
    int32_t version = 0;
    int32_t id = 0;
    std::string schema_type = "AVRO";
    std::string schema;
};

// An error the registry answered with (HTTP 4xx/5xx and Confluent's error_code).
struct registry_error {
    int http_status = 0;
    int error_code = 0;
    std::string message;
};

class client {
public:
    explicit client(client_config cfg);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // POST /subjects/{subject}/versions; returns the id. Cached by (subject, schema).
    result<int32_t> register_schema(const std::string& subject, const std::string& schema,
                                    const std::string& schema_type = "AVRO");
    // POST /subjects/{subject}: the registered version of exactly this schema. Cached.
    result<registered_schema> lookup(const std::string& subject, const std::string& schema,
                                     const std::string& schema_type = "AVRO");
    // GET /schemas/ids/{id}: the schema text. Cached.
    result<std::string> schema_by_id(int32_t id);
    // GET /subjects/{subject}/versions/latest (cached for latest_ttl).
    result<registered_schema> latest(const std::string& subject);
    // GET /subjects/{subject}/versions/{version}.
    result<registered_schema> version(const std::string& subject, int32_t version);

    // The registry's error for the last failed call, when it answered (nullopt: could not reach it).
    const std::optional<registry_error>& last_registry_error() const { return _last_error; }

    // One HTTP exchange with fail-over; for tools and tests. `body` empty = no body.
    struct response {
        int status = 0;
        std::string body;
    };
    result<response> call(const std::string& method, const std::string& path, const std::string& body = {});

private:
    struct conn;
    result<std::string> request(const std::string& method, const std::string& path, const std::string& body);
    result<registered_schema> parse_registered(const std::string& body, const std::string& subject);

    client_config _cfg;
    std::vector<std::unique_ptr<conn>> _conns;
    size_t _preferred = 0;
    std::optional<registry_error> _last_error;

    std::unordered_map<int32_t, std::string> _by_id;
    std::unordered_map<std::string, int32_t> _registered; // subject + '\0' + type + '\0' + schema
    std::unordered_map<std::string, registered_schema> _looked_up;
    struct latest_entry {
        registered_schema s;
        std::chrono::steady_clock::time_point at;
    };
    std::unordered_map<std::string, latest_entry> _latest;
};

// Percent-encodes a path segment (subject names may hold any character).
std::string encode_path_segment(const std::string& s);

} // namespace ferry::schema_registry
