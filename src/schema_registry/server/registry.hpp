#pragma once
// The Schema Registry's state and operations, independent of HTTP and of Kafka.
//
// State is the fold of the records of the `_schemas` topic (Confluent's key/value JSON, spec
// section 2): apply() takes one record and updates the in-memory maps; every state change an
// operation makes is expressed as such records and handed to the `append` function, which writes
// them to the topic and returns once they have been applied (the Kafka-backed server sends,
// then reads the topic to its end, so its own write and anyone else's before it are visible:
// Confluent's read-your-writes through the store). An in-memory registry's append applies
// directly. So a restart, or a second instance reading the same topic, rebuilds the same state:
// the same ids, versions, configs and modes.
//
// Operations return Confluent's error codes (40401, 42201, 409, ...) as registry_status so the
// HTTP layer maps them 1:1. Writers are serialised by one mutex (a single leader, as Confluent's
// registry has); readers take the state lock shared.

#include "base/error.hpp"
#include "schema_registry/avro/compatibility.hpp"
#include "schema_registry/avro/schema.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace ferry::schema_registry {

struct registry_status {
    int error_code = 0; // Confluent's error_code; HTTP status = first 3 digits
    std::string message;
    int http_status() const { return error_code >= 1000 ? error_code / 100 : error_code; }
};

template <class T> using reg_result = expected<T, registry_status>;

struct schema_version {
    std::string subject;
    int32_t version = 0;
    int32_t id = 0;
    std::string schema_type = "AVRO";
    std::string schema;
    std::string references_json; // "[...]" as stored, or empty
    bool deleted = false;
};

struct subject_version {
    std::string subject;
    int32_t version = 0;
};

struct registry_options {
    std::string default_compatibility = "BACKWARD";
    std::string default_mode = "READWRITE";
};

class registry {
public:
    // Appends records (key, value or nullopt for a tombstone) to the store and returns once they
    // have been applied through apply(), or with an error message.
    using append_fn = std::function<std::optional<std::string>(
        const std::vector<std::pair<std::string, std::optional<std::string>>>&)>;

    explicit registry(registry_options opts = {});
    void set_append(append_fn f) { _append = std::move(f); }

    // One record of the `_schemas` topic (unknown key types are ignored, as Confluent does).
    void apply(std::string_view key, std::optional<std::string_view> value);

    // --- operations ---
    reg_result<std::vector<std::string>> subjects(const std::string& prefix, bool deleted, bool deleted_only) const;
    reg_result<std::vector<int32_t>> versions(const std::string& subject, bool deleted, bool deleted_only) const;
    // version: -1 = latest
    reg_result<schema_version> get_version(const std::string& subject, int32_t version, bool deleted) const;
    reg_result<schema_version> schema_by_id(int32_t id) const;
    reg_result<std::vector<subject_version>> id_versions(int32_t id, bool deleted) const;
    reg_result<std::vector<std::string>> id_subjects(int32_t id, bool deleted) const;
    // Returns the id (and the version it got).
    reg_result<schema_version> register_schema(const std::string& subject, const std::string& schema,
                                               const std::string& schema_type, const std::string& references_json,
                                               std::optional<int32_t> import_id, std::optional<int32_t> import_version);
    reg_result<schema_version> lookup(const std::string& subject, const std::string& schema,
                                      const std::string& schema_type, bool deleted) const;
    reg_result<std::vector<int32_t>> delete_subject(const std::string& subject, bool permanent);
    reg_result<int32_t> delete_version(const std::string& subject, int32_t version, bool permanent);
    // version: nullopt = against what the subject's level requires; -1 = latest.
    reg_result<std::vector<std::string>> test_compatibility(const std::string& subject, std::optional<int32_t> version,
                                                            const std::string& schema,
                                                            const std::string& schema_type) const;

    // Config: subject "" = global.
    reg_result<std::string> get_config(const std::string& subject, bool default_to_global) const;
    reg_result<std::string> set_config(const std::string& subject, const std::string& level);
    reg_result<std::string> delete_config(const std::string& subject);
    reg_result<std::string> get_mode(const std::string& subject, bool default_to_global) const;
    reg_result<std::string> set_mode(const std::string& subject, const std::string& mode, bool force);
    reg_result<std::string> delete_mode(const std::string& subject);

    int32_t max_id() const;

    // The exact key/value bytes of the store's records (spec section 2).
    static std::string schema_key(const std::string& subject, int32_t version);
    static std::string schema_value(const schema_version& v);

private:
    struct version_entry {
        int32_t id = 0;
        bool deleted = false;
        std::string schema_type;
        std::string references_json;
    };
    struct subject_state {
        std::map<int32_t, version_entry> versions;
    };
    struct id_entry {
        std::string schema;
        std::string schema_type;
        std::string references_json;
        avro::schema_ptr parsed; // AVRO only; for compatibility checks
    };

    std::optional<std::string> append(const std::vector<std::pair<std::string, std::optional<std::string>>>& recs);
    std::string effective_level(const std::string& subject) const; // lock held
    std::string effective_mode(const std::string& subject) const;  // lock held
    reg_result<avro::schema_ptr> parse(const std::string& schema, const std::string& schema_type) const;
    std::vector<std::string> check(const std::string& level, const std::string& subject,
                                   const avro::node& candidate) const;
    const subject_state* find_subject(const std::string& s) const;
    bool subject_live(const subject_state& s) const;

    registry_options _opts;
    append_fn _append;
    std::mutex _write_mu;
    mutable std::shared_mutex _mu;
    std::map<std::string, subject_state> _subjects;
    std::map<int32_t, id_entry> _ids;
    std::unordered_map<std::string, int32_t> _id_by_schema; // type + '\0' + canonical + '\0' + refs
    std::map<std::string, std::string> _configs;            // "" = global
    std::map<std::string, std::string> _modes;              // "" = global
    int32_t _max_id = 0;
};

} // namespace ferry::schema_registry
