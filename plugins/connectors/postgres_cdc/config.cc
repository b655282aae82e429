#include "config.hpp"

#include "config/regex.hpp"
#include "ferry/connect/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <regex>

namespace ferry::plugins::postgres_cdc {

using namespace config;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

validator slot_name_validator() {
    return [](const std::string& name, const config_value& v) -> std::optional<std::string> {
        auto& s = std::get<std::string>(v);
        bool ok = !s.empty() && s.size() <= 63 &&
                  std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
        if (ok) return std::nullopt;
        return invalid_value(name, v,
                             "Valid replication slot name must contain only digits, lowercase characters and underscores "
                             "with length <= 63");
    };
}

validator topic_prefix_validator() {
    return [](const std::string& name, const config_value& v) -> std::optional<std::string> {
        auto& s = std::get<std::string>(v);
        bool ok = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        });
        if (ok) return std::nullopt;
        return invalid_value(name, v, "Topic prefix can only contain alphanumeric characters, '.', '_' and '-'");
    };
}

} // namespace

const config_def& config_definition() {
    static const config_def d = [] {
        config_def c;
        auto str = [&](const char* name, config_default def, const char* doc, importance imp = importance::medium,
                       validator v = {}, const char* group = "Connector") {
            c.define({.name = name, .type = config_type::string, .def = std::move(def), .valid = std::move(v), .imp = imp,
                      .doc = doc, .group = group});
        };
        auto boolean = [&](const char* name, const char* def, const char* doc, const char* group = "Connector") {
            c.define({.name = name, .type = config_type::boolean, .def = def, .imp = importance::low, .doc = doc, .group = group});
        };
        auto integer = [&](const char* name, const char* def, const char* doc, validator v = {}, const char* group = "Connector") {
            c.define({.name = name, .type = config_type::int_, .def = def, .valid = std::move(v), .imp = importance::low,
                      .doc = doc, .group = group});
        };
        auto lng = [&](const char* name, const char* def, const char* doc, validator v = {}, const char* group = "Connector") {
            c.define({.name = name, .type = config_type::long_, .def = def, .valid = std::move(v), .imp = importance::low,
                      .doc = doc, .group = group});
        };
        auto list = [&](const char* name, const char* doc, const char* group = "Filters") {
            c.define({.name = name, .type = config_type::list, .def = null_default, .valid = validators::valid_regex(),
                      .imp = importance::medium, .doc = doc, .group = group});
        };
        auto choice = [&](const char* name, const char* def, std::vector<std::string> values, const char* doc,
                          const char* group = "Connector") {
            c.define({.name = name, .type = config_type::string, .def = def,
                      .valid = validators::one_of(std::move(values), false), .imp = importance::medium, .doc = doc,
                      .group = group});
        };

        // identity and connection
        str("topic.prefix", null_default,
            "Topic prefix that identifies and provides a namespace for the particular database server/cluster that is "
            "capturing changes. Used for topic names, schema names, source.name and the offset partition; must never "
            "change for a running pipeline.",
            importance::high, {}, "Connection");
        str("database.server.name", null_default, "Legacy name of topic.prefix (Debezium before 2.0).", importance::low, {},
            "Connection");
        str("database.hostname", no_default, "Resolvable hostname or IP address of the database server.", importance::high,
            validators::non_empty_string(), "Connection");
        integer("database.port", "5432", "Port of the database server.", validators::between(1, 65535), "Connection");
        str("database.user", null_default, "Name of the database user to be used when connecting to the database.",
            importance::high, {}, "Connection");
        c.define({.name = "database.password", .type = config_type::password, .def = null_default, .imp = importance::high,
                  .doc = "Password of the database user to be used when connecting to the database.", .group = "Connection"});
        str("database.dbname", no_default, "The name of the database from which the connector should capture changes",
            importance::high, validators::non_empty_string(), "Connection");
        choice("database.sslmode", "prefer", {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"},
               "Whether to use an encrypted connection to the server.", "Connection");
        str("database.sslcert", null_default, "File containing the SSL certificate for the client.", importance::low, {},
            "Connection");
        str("database.sslkey", null_default, "File containing the SSL private key for the client.", importance::low, {},
            "Connection");
        c.define({.name = "database.sslpassword", .type = config_type::password, .def = null_default, .imp = importance::low,
                  .doc = "Password of the client SSL key.", .group = "Connection"});
        str("database.sslrootcert", null_default, "File containing the root certificate(s) to validate the server.",
            importance::low, {}, "Connection");
        str("database.sslfactory", null_default, "Accepted for compatibility; libpq does not use a socket factory.",
            importance::low, {}, "Connection");
        boolean("database.tcpKeepAlive", "true", "Enable or disable TCP keep-alive probe.", "Connection");
        str("database.initial.statements", null_default,
            "A semicolon separated list of SQL statements to be executed when a connection to the database is "
            "established (';;' stands for a literal ';').",
            importance::low, {}, "Connection");
        lng("database.query.timeout.ms", "600000", "Time to wait for a query to execute.", validators::at_least(0),
            "Connection");

        // replication
        str("plugin.name", "pgoutput",
            "The logical decoding plugin. Ferry implements pgoutput (built into PostgreSQL 10+); decoderbufs and "
            "wal2json are rejected with an error. Debezium's default is decoderbufs.",
            importance::medium, {}, "Replication");
        str("slot.name", "debezium", "The name of the Postgres logical decoding slot created for streaming changes.",
            importance::medium, slot_name_validator(), "Replication");
        boolean("slot.drop.on.stop", "false",
                "Whether or not to drop the logical replication slot when the connector finishes orderly.", "Replication");
        boolean("slot.failover", "false", "Create the slot as a failover slot (PostgreSQL 17+).", "Replication");
        str("slot.stream.params", null_default,
            "Extra START_REPLICATION options as 'k=v;k2=v2'.", importance::low, {}, "Replication");
        integer("slot.max.retries", "6", "How many times to retry connecting to a replication slot.",
                validators::at_least(1), "Replication");
        lng("slot.retry.delay.ms", "10000", "Time to wait between retry attempts when the slot is busy.",
            validators::at_least(0), "Replication");
        str("publication.name", "dbz_publication", "The name of the Postgres publication used for streaming changes.",
            importance::medium, validators::non_empty_string(), "Replication");
        choice("publication.autocreate.mode", "all_tables", {"disabled", "all_tables", "filtered", "no_tables"},
               "Whether and how to create the publication: disabled (it must exist), all_tables (FOR ALL TABLES), "
               "filtered (FOR TABLE of the included tables), no_tables (empty).",
               "Replication");
        boolean("publish.via.partition.root", "false", "Passed to CREATE PUBLICATION.", "Replication");
        str("replica.identity.autoset.values", null_default,
            "Comma separated 'schema.table:IDENTITY' entries (DEFAULT, FULL, NOTHING, INDEX name) applied at start.",
            importance::low, {}, "Replication");
        lng("status.update.interval.ms", "10000", "Frequency of standby status updates sent to the server.",
            validators::at_least(0), "Replication");
        choice("lsn.flush.mode", "connector", {"manual", "connector", "connector_and_driver"},
               "connector: confirm LSNs to the server after offsets are committed; manual: never; "
               "connector_and_driver: also confirm keep-alive positions while idle.",
               "Replication");
        boolean("flush.lsn.source", "true", "Deprecated: true = lsn.flush.mode connector, false = manual.", "Replication");
        lng("lsn.flush.timeout.ms", "30000", "Maximum time for an LSN flush.", validators::at_least(0), "Replication");
        choice("lsn.flush.timeout.action", "fail", {"fail", "warn", "ignore"}, "What to do when an LSN flush times out.",
               "Replication");
        choice("offset.mismatch.strategy", "no_validation", {"no_validation", "trust_offset", "trust_slot", "trust_greater_lsn"},
               "How a stored offset and the slot's confirmed position are reconciled.", "Replication");
        lng("xmin.fetch.interval.ms", "0", "How often to read the slot's xmin into source.xmin (0 = never).",
            validators::at_least(0), "Replication");

        // filters
        list("schema.include.list", "Regular expressions matching schema names to capture.");
        list("schema.exclude.list", "Regular expressions matching schema names not to capture.");
        list("table.include.list", "Regular expressions matching 'schema.table' identifiers to capture.");
        list("table.exclude.list", "Regular expressions matching 'schema.table' identifiers not to capture.");
        list("column.include.list", "Regular expressions matching 'schema.table.column' names to include in values.");
        list("column.exclude.list", "Regular expressions matching 'schema.table.column' names to exclude from values.");
        list("message.prefix.include.list", "Regular expressions matching logical decoding message prefixes to emit.");
        list("message.prefix.exclude.list", "Regular expressions matching logical decoding message prefixes to drop.");
        str("message.key.columns", null_default, "Message key columns: 'schema.table:c1,c2;schema.t2:c'.", importance::low,
            {}, "Filters");
        boolean("table.ignore.builtin", "true", "Skip the system tables.", "Filters");
        c.define({.name = "skipped.operations", .type = config_type::list, .def = "t",
                  .valid = validators::list_of({"c", "u", "d", "t", "none"}), .imp = importance::low,
                  .doc = "Operations to skip: c (insert/create), u (update), d (delete), t (truncate), none.",
                  .group = "Filters"});

        // values
        choice("decimal.handling.mode", "precise", {"precise", "double", "string"},
               "How DECIMAL and NUMERIC columns are represented.", "Values");
        choice("time.precision.mode", "adaptive",
               {"adaptive", "adaptive_time_microseconds", "connect", "isostring", "microseconds", "nanoseconds"},
               "How temporal values are represented.", "Values");
        choice("binary.handling.mode", "bytes", {"bytes", "base64", "base64-url-safe", "hex"},
               "How binary (bytea) columns are represented.", "Values");
        choice("hstore.handling.mode", "json", {"json", "map"}, "How HSTORE columns are represented.", "Values");
        choice("interval.handling.mode", "numeric", {"numeric", "string"}, "How INTERVAL columns are represented.", "Values");
        integer("money.fraction.digits", "2", "Number of fractional digits of MONEY values.", {}, "Values");
        boolean("include.unknown.datatypes", "false",
                "Emit columns of unknown types as bytes instead of dropping them.", "Values");
        str("unavailable.value.placeholder", "__debezium_unavailable_value",
            "The value that marks an unchanged TOASTed column ('hex:' prefix = raw bytes).", importance::low, {}, "Values");
        str("column.propagate.source.type", null_default, "Columns whose source type is added as schema parameters.",
            importance::low, {}, "Values");
        str("datatype.propagate.source.type", null_default, "Data types whose source type is added as schema parameters.",
            importance::low, {}, "Values");
        choice("schema.name.adjustment.mode", "none", {"none", "avro", "avro_unicode"},
               "How schema names are adjusted for Avro compatibility.", "Values");
        choice("field.name.adjustment.mode", "none", {"none", "avro", "avro_unicode"},
               "How field names are adjusted for Avro compatibility.", "Values");
        boolean("tombstones.on.delete", "true", "Emit a tombstone (null value) after every delete.", "Values");
        boolean("skip.messages.without.change", "false",
                "Skip updates that change no included column (needs REPLICA IDENTITY FULL).", "Values");
        boolean("provide.transaction.metadata", "false",
                "Emit transaction BEGIN/END events and fill the transaction block.", "Values");
        choice("schema.refresh.mode", "columns_diff", {"columns_diff", "columns_diff_exclude_unchanged_toast"},
               "When the table schema is refreshed while streaming.", "Values");
        boolean("extended.headers.enabled", "false",
                "Add Debezium 3.2.1+'s __debezium.context.* headers (connector logical name, task id, connector "
                "name, run id) to change events. Off by default in Ferry: they carry no change data and cost a "
                "large share of the throughput (Debezium's default is true).",
                "Values");

        // snapshot
        choice("snapshot.mode", "initial", {"initial", "initial_only", "no_data", "never", "always", "when_needed"},
               "When to take a snapshot: initial, initial_only, no_data (never, its old name), always, when_needed.",
               "Snapshot");
        choice("snapshot.isolation.mode", "serializable", {"serializable", "repeatable_read", "read_committed", "read_uncommitted"},
               "Transaction isolation of a snapshot without an exported slot snapshot.", "Snapshot");
        choice("snapshot.locking.mode", "none", {"none", "shared"},
               "shared: LOCK TABLE ... IN ACCESS SHARE MODE while the table structure is read.", "Snapshot");
        lng("snapshot.lock.timeout.ms", "10000", "Maximum time to wait for table locks.", validators::at_least(0), "Snapshot");
        integer("snapshot.fetch.size", "10240", "Rows fetched per round trip during the snapshot.", validators::at_least(1),
                "Snapshot");
        lng("snapshot.delay.ms", "0", "Delay before the snapshot starts.", validators::at_least(0), "Snapshot");
        lng("streaming.delay.ms", "0", "Delay before streaming starts.", validators::at_least(0), "Snapshot");
        list("snapshot.include.collection.list", "Tables (regexes) to snapshot; default all captured tables.", "Snapshot");
        str("snapshot.select.statement.overrides", null_default,
            "Tables whose snapshot query is given in snapshot.select.statement.overrides.<schema>.<table>.",
            importance::low, {}, "Snapshot");
        integer("snapshot.max.threads", "1", "Accepted for compatibility; the snapshot reads one table at a time.",
                validators::at_least(1), "Snapshot");

        // engine
        integer("max.batch.size", "2048", "Maximum number of records returned by one poll.", validators::at_least(1),
                "Engine");
        integer("max.queue.size", "8192", "Maximum number of changes buffered between the reader and the task.",
                validators::at_least(1), "Engine");
        lng("max.queue.size.in.bytes", "0", "Maximum bytes buffered between the reader and the task (0 = by count only).",
            validators::at_least(0), "Engine");
        lng("poll.interval.ms", "500", "Time to wait for new changes when none are available.", validators::at_least(1),
            "Engine");
        lng("heartbeat.interval.ms", "0", "Interval of heartbeat records (0 = off).", validators::at_least(0), "Engine");
        str("heartbeat.topics.prefix", "__debezium-heartbeat", "Prefix of the heartbeat topic.", importance::low, {},
            "Engine");
        str("heartbeat.action.query", null_default,
            "SQL executed with every heartbeat, e.g. an INSERT or pg_logical_emit_message(), so that idle slots advance.",
            importance::low, {}, "Engine");
        str("topic.naming.strategy", "io.debezium.schema.SchemaTopicNamingStrategy", "Topic naming strategy.",
            importance::low, {}, "Engine");
        str("topic.delimiter", ".", "Delimiter between topic name parts.", importance::low, {}, "Engine");
        str("topic.transaction", "transaction", "Suffix of the transaction metadata topic.", importance::low, {}, "Engine");
        str("topic.heartbeat.prefix", "__debezium-heartbeat", "Prefix of the heartbeat topic.", importance::low, {},
            "Engine");
        choice("event.converting.failure.handling.mode", "warn", {"fail", "warn", "skip"},
               "What to do with a column value that cannot be converted to its field's type (a numeric NaN "
               "under decimal.handling.mode=precise, a multi-dimensional array): 'fail' fails the task, 'warn' "
               "logs it and leaves the field null (or the column's default), 'skip' does the same silently.",
               "Engine");
        choice("event.processing.failure.handling.mode", "fail", {"fail", "warn", "skip", "ignore"},
               "Accepted for compatibility: any other failure to process an event fails the task.", "Engine");
        lng("errors.max.retries", "-1", "Retries of retriable errors (-1 = unlimited).", validators::at_least(-1), "Engine");
        lng("retriable.restart.connector.wait.ms", "10000", "Back-off between reconnection attempts.",
            validators::at_least(0), "Engine");
        return c;
    }();
    d.find("topic.prefix"); // keep the table's first use here (define() validates defaults)
    return d;
}

std::vector<std::pair<std::string, std::string>> validate_extra(const config_map& props) {
    std::vector<std::pair<std::string, std::string>> errs;
    auto get = [&](const char* k) -> std::optional<std::string> {
        auto it = props.find(k);
        if (it == props.end()) return std::nullopt;
        std::string v = it->second;
        while (!v.empty() && static_cast<unsigned char>(v.back()) <= ' ') v.pop_back();
        size_t i = 0;
        while (i < v.size() && static_cast<unsigned char>(v[i]) <= ' ') i++;
        v = v.substr(i);
        if (v.empty()) return std::nullopt;
        return v;
    };
    auto prefix = get("topic.prefix");
    if (!prefix) prefix = get("database.server.name");
    if (!prefix)
        errs.emplace_back("topic.prefix", "The 'topic.prefix' value is invalid: A value is required");
    else if (!std::all_of(prefix->begin(), prefix->end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
             }))
        errs.emplace_back("topic.prefix", fmt::format("The 'topic.prefix' value '{}' is invalid: Topic prefix can only "
                                                      "contain alphanumeric characters, '.', '_' and '-'",
                                                      *prefix));
    if (auto plugin = get("plugin.name"); plugin && lower(*plugin) != "pgoutput")
        errs.emplace_back("plugin.name",
                          fmt::format("The 'plugin.name' value '{}' is not supported: Ferry's PostgreSQL connector decodes "
                                      "the pgoutput plugin only (built into PostgreSQL 10 and later). Set plugin.name=pgoutput.",
                                      *plugin));
    auto both = [&](const char* a, const char* b) {
        if (get(a) && get(b))
            errs.emplace_back(b, fmt::format("\"{}\" is already specified", a));
    };
    both("schema.include.list", "schema.exclude.list");
    both("table.include.list", "table.exclude.list");
    both("column.include.list", "column.exclude.list");
    both("message.prefix.include.list", "message.prefix.exclude.list");
    auto num = [&](const char* k, int def) {
        auto v = get(k);
        int out = def;
        if (v) std::from_chars(v->data(), v->data() + v->size(), out);
        return out;
    };
    if (num("max.queue.size", 8192) <= num("max.batch.size", 2048))
        errs.emplace_back("max.queue.size", "Must be larger than the maximum batch size");
    auto parts = [](const std::string& v, char sep) {
        std::vector<std::string> out;
        for (size_t start = 0; start <= v.size();) {
            size_t end = std::min(v.find(sep, start), v.size());
            out.push_back(v.substr(start, end - start));
            start = end + 1;
        }
        return out;
    };
    // Lists of regular expressions (Debezium's Field.isListOfRegex, compiled case-insensitively).
    for (const char* k : {"schema.include.list", "schema.exclude.list", "table.include.list", "table.exclude.list",
                          "column.include.list", "column.exclude.list", "message.prefix.include.list",
                          "message.prefix.exclude.list", "snapshot.include.collection.list"}) {
        auto v = get(k);
        if (!v) continue;
        for (auto& p : parts(*v, ',')) {
            p.erase(0, p.find_first_not_of(' '));
            p.erase(p.find_last_not_of(' ') + 1);
            if (auto r = config::regex::compile("(?i)" + p); !p.empty() && !r) {
                errs.emplace_back(k, "A comma-separated list of valid regular expressions is expected, but " + r.error().message);
                break;
            }
        }
    }
    // Entries that must have Debezium's shapes; the messages quote its patterns.
    auto each_entry = [&](const char* k, char sep, const char* pattern, const char* shown) {
        auto v = get(k);
        if (!v) return;
        auto rx = config::regex::compile(pattern);
        for (auto& part : parts(*v, sep))
            if (rx && !rx->full_match(part))
                errs.emplace_back(k, fmt::format("{} has an invalid format (expecting '{}')", part, shown));
    };
    each_entry("message.key.columns", ';', R"(\s*([^\s:]+):([^:\s]+)\s*)", R"(^\s*([^\s:]+):([^:\s]+)\s*$)");
    each_entry("replica.identity.autoset.values", ',', R"((?i)\s*([^\s:]+):(DEFAULT|(INDEX) (.\w*)|FULL|NOTHING)\s*)",
               R"((?i)^\s*(?P<tablepredicate>[^\s:]+):(?P<replicaidentity>DEFAULT|(INDEX) (?P<indexname>.\w*)|FULL|NOTHING)\s*$)");
    return errs;
}

std::vector<std::string> unsupported_settings(const config_map& props) {
    struct rule {
        const char* key;
        const char* unless; // the value that asks for nothing unsupported (nullptr: any non-empty value does)
        const char* what;
    };
    static constexpr rule rules[] = {
        {"signal.data.collection", nullptr, "signals and incremental/blocking snapshots are not implemented"},
        {"signal.enabled.channels", nullptr, "signals and incremental/blocking snapshots are not implemented"},
        {"signal.kafka.topic", nullptr, "signals and incremental/blocking snapshots are not implemented"},
        {"incremental.snapshot.chunk.size", nullptr, "incremental snapshots are not implemented"},
        {"read.only", "false", "read-only incremental snapshots are not implemented"},
        {"converters", nullptr, "custom converters (Java CustomConverter classes) cannot be loaded; the columns keep "
                           "their default mapping"},
        {"post.processors", nullptr, "post processors are not implemented"},
        {"notification.enabled.channels", nullptr, "notifications are not implemented"},
        {"xmin.fetch.interval.ms", "0", "source.xmin is not read (it stays null)"},
        {"column.propagate.source.type", nullptr, "source column types are not added as schema parameters"},
        {"datatype.propagate.source.type", nullptr, "source column types are not added as schema parameters"},
        {"slot.failover", "false", "the slot is created without FAILOVER"},
        {"topic.naming.strategy", "io.debezium.schema.SchemaTopicNamingStrategy",
         "topics are named by Debezium's default strategy (<prefix>.<schema>.<table>)"},
        {"snapshot.max.threads", "1", "tables are snapshotted one at a time"},
        {"lsn.flush.mode", "connector", "LSNs are flushed as with lsn.flush.mode=connector"},
        {"schema.refresh.mode", "columns_diff", "the schema is refreshed as with schema.refresh.mode=columns_diff"},
    };
    std::vector<std::string> out;
    for (auto& r : rules) {
        auto it = props.find(r.key);
        if (it == props.end()) continue;
        std::string v = it->second;
        v.erase(0, v.find_first_not_of(" \t"));
        v.erase(v.find_last_not_of(" \t") + 1);
        if (v.empty() || (r.unless && lower(v) == lower(r.unless))) continue;
        out.push_back(fmt::format("{}={} is not supported by Ferry and is ignored: {}", r.key, v, r.what));
    }
    return out;
}

namespace {

std::vector<std::pair<std::string, std::string>> parse_pairs(const std::string& text, char entry_sep, char kv_sep) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(entry_sep, start);
        if (end == std::string::npos) end = text.size();
        std::string entry = text.substr(start, end - start);
        auto trim = [](std::string s) {
            while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
            size_t i = 0;
            while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) i++;
            return s.substr(i);
        };
        entry = trim(entry);
        if (!entry.empty()) {
            auto eq = entry.find(kv_sep);
            if (eq == std::string::npos)
                out.emplace_back(entry, "");
            else
                out.emplace_back(trim(entry.substr(0, eq)), trim(entry.substr(eq + 1)));
        }
        start = end + 1;
    }
    return out;
}

std::vector<std::string> split_regex_list(const std::string& v) {
    // Debezium splits lists on commas not preceded by a backslash.
    std::vector<std::string> out;
    std::string cur;
    for (size_t i = 0; i < v.size(); i++) {
        if (v[i] == ',' && (i == 0 || v[i - 1] != '\\')) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += v[i];
        }
    }
    out.push_back(cur);
    for (auto& s : out) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
        size_t i = 0;
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) i++;
        s = s.substr(i);
    }
    std::erase_if(out, [](const std::string& s) { return s.empty(); });
    return out;
}

} // namespace

settings parse_settings(const config_map& props) {
    auto v = config_definition().parse(props);
    for (auto& [key, msg] : validate_extra(props)) throw config_error(msg);
    settings s;
    s.hostname = v.get_string("database.hostname");
    s.port = v.get_int("database.port");
    s.user = v.get_string("database.user");
    if (auto p = v.get_password("database.password")) s.password = p->secret;
    s.dbname = v.get_string("database.dbname");
    s.sslmode = lower(v.get_string("database.sslmode"));
    s.sslcert = v.get_string("database.sslcert");
    s.sslkey = v.get_string("database.sslkey");
    if (auto p = v.get_password("database.sslpassword")) s.sslpassword = p->secret;
    s.sslrootcert = v.get_string("database.sslrootcert");
    s.tcp_keepalive = v.get_bool("database.tcpKeepAlive");
    s.initial_statements = v.get_string("database.initial.statements");
    s.topic_prefix = v.get_string("topic.prefix");
    if (s.topic_prefix.empty()) s.topic_prefix = v.get_string("database.server.name");

    s.slot_name = v.get_string("slot.name");
    s.slot_drop_on_stop = v.get_bool("slot.drop.on.stop");
    s.slot_stream_params = parse_pairs(v.get_string("slot.stream.params"), ';', '=');
    s.slot_max_retries = v.get_int("slot.max.retries");
    s.slot_retry_delay_ms = v.get_long("slot.retry.delay.ms");
    s.publication_name = v.get_string("publication.name");
    auto ac = lower(v.get_string("publication.autocreate.mode"));
    s.publication_autocreate = ac == "disabled"    ? autocreate_mode::disabled
                               : ac == "filtered"  ? autocreate_mode::filtered
                               : ac == "no_tables" ? autocreate_mode::no_tables
                                                   : autocreate_mode::all_tables;
    s.publish_via_partition_root = v.get_bool("publish.via.partition.root");
    s.replica_identity_autoset = parse_pairs(v.get_string("replica.identity.autoset.values"), ',', ':');
    s.status_update_interval_ms = v.get_long("status.update.interval.ms");
    auto fm = lower(v.get_string("lsn.flush.mode"));
    if (props.count("flush.lsn.source") && !props.count("lsn.flush.mode"))
        fm = v.get_bool("flush.lsn.source") ? "connector" : "manual";
    s.flush_mode = fm == "manual" ? lsn_flush_mode::manual
                   : fm == "connector_and_driver" ? lsn_flush_mode::connector_and_driver
                                                  : lsn_flush_mode::connector;
    s.xmin_fetch_interval_ms = v.get_long("xmin.fetch.interval.ms");

    auto regexes = [&](const char* k) {
        auto it = props.find(k);
        return split_regex_list(it == props.end() ? std::string() : it->second);
    };
    s.schema_include = regexes("schema.include.list");
    s.schema_exclude = regexes("schema.exclude.list");
    s.table_include = regexes("table.include.list");
    s.table_exclude = regexes("table.exclude.list");
    s.column_include = regexes("column.include.list");
    s.column_exclude = regexes("column.exclude.list");
    s.message_prefix_include = regexes("message.prefix.include.list");
    s.message_prefix_exclude = regexes("message.prefix.exclude.list");
    s.snapshot_include = regexes("snapshot.include.collection.list");
    s.message_key_columns = v.get_string("message.key.columns");
    s.skip_truncate = s.skip_create = s.skip_update = s.skip_delete = false;
    for (auto& op : v.get_list("skipped.operations")) {
        auto o = lower(op);
        if (o == "t") s.skip_truncate = true;
        if (o == "c") s.skip_create = true;
        if (o == "u") s.skip_update = true;
        if (o == "d") s.skip_delete = true;
    }

    auto dm = lower(v.get_string("decimal.handling.mode"));
    s.decimals = dm == "double" ? decimal_mode::double_ : dm == "string" ? decimal_mode::string : decimal_mode::precise;
    auto tp = lower(v.get_string("time.precision.mode"));
    s.temporal = tp == "adaptive_time_microseconds" ? time_precision::adaptive_time_microseconds
                 : tp == "connect"                  ? time_precision::connect
                 : tp == "isostring"                ? time_precision::isostring
                 : tp == "microseconds"             ? time_precision::microseconds
                 : tp == "nanoseconds"              ? time_precision::nanoseconds
                                                    : time_precision::adaptive;
    auto bm = lower(v.get_string("binary.handling.mode"));
    s.binary = bm == "base64"            ? binary_mode::base64
               : bm == "base64-url-safe" ? binary_mode::base64_url_safe
               : bm == "hex"             ? binary_mode::hex
                                         : binary_mode::bytes;
    s.hstore = lower(v.get_string("hstore.handling.mode")) == "map" ? hstore_mode::map : hstore_mode::json;
    s.intervals = lower(v.get_string("interval.handling.mode")) == "string" ? interval_mode::string : interval_mode::numeric;
    s.money_fraction_digits = v.get_int("money.fraction.digits");
    s.include_unknown_datatypes = v.get_bool("include.unknown.datatypes");
    s.unavailable_placeholder = v.get_string("unavailable.value.placeholder");
    s.avro_schema_names = lower(v.get_string("schema.name.adjustment.mode")) != "none";
    s.avro_field_names = lower(v.get_string("field.name.adjustment.mode")) != "none";
    s.tombstones_on_delete = v.get_bool("tombstones.on.delete");
    s.skip_messages_without_change = v.get_bool("skip.messages.without.change");
    s.provide_transaction_metadata = v.get_bool("provide.transaction.metadata");
    s.extended_headers = v.get_bool("extended.headers.enabled");

    auto sm = lower(v.get_string("snapshot.mode"));
    s.snapshot = sm == "initial_only"                   ? snapshot_mode::initial_only
                 : (sm == "no_data" || sm == "never")   ? snapshot_mode::no_data
                 : sm == "always"                       ? snapshot_mode::always
                 : sm == "when_needed"                  ? snapshot_mode::when_needed
                                                        : snapshot_mode::initial;
    s.snapshot_isolation = lower(v.get_string("snapshot.isolation.mode"));
    s.snapshot_lock_shared = lower(v.get_string("snapshot.locking.mode")) == "shared";
    s.snapshot_lock_timeout_ms = v.get_long("snapshot.lock.timeout.ms");
    s.snapshot_fetch_size = v.get_int("snapshot.fetch.size");
    s.snapshot_delay_ms = v.get_long("snapshot.delay.ms");
    s.streaming_delay_ms = v.get_long("streaming.delay.ms");
    for (auto& [table, _] : parse_pairs(v.get_string("snapshot.select.statement.overrides"), ',', '\x01')) {
        auto it = props.find("snapshot.select.statement.overrides." + table);
        if (it == props.end())
            throw config_error(fmt::format("snapshot.select.statement.overrides names {} but "
                                           "snapshot.select.statement.overrides.{} is not set",
                                           table, table));
        s.snapshot_select_overrides.emplace_back(table, it->second);
    }
    s.max_batch_size = v.get_int("max.batch.size");
    s.max_queue_size = v.get_int("max.queue.size");
    s.max_queue_size_bytes = v.get_long("max.queue.size.in.bytes");
    s.poll_interval_ms = v.get_long("poll.interval.ms");
    s.heartbeat_interval_ms = v.get_long("heartbeat.interval.ms");
    s.heartbeat_action_query = v.get_string("heartbeat.action.query");
    s.topic_delimiter = v.get_string("topic.delimiter");
    s.transaction_topic_suffix = v.get_string("topic.transaction");
    s.heartbeat_topic_prefix = props.count("topic.heartbeat.prefix") ? v.get_string("topic.heartbeat.prefix")
                                                                      : v.get_string("heartbeat.topics.prefix");
    s.errors_max_retries = v.get_long("errors.max.retries");
    s.retriable_restart_wait_ms = v.get_long("retriable.restart.connector.wait.ms");
    s.converting_failure = lower(v.get_string("event.converting.failure.handling.mode"));
    if (auto it = props.find("task.id"); it != props.end()) s.task_id = it->second;

    // Dynamic keys: column.mask.with.<N>.chars, column.mask.hash[.v2].<alg>.with.salt.<salt>,
    // column.truncate.to.<N>.chars.
    static const std::regex mask_re(R"(column\.mask\.with\.(\d+)\.chars)");
    static const std::regex hash_re(R"(column\.mask\.hash\.(v2\.)?([^.]+)\.with\.salt\.(.+))");
    static const std::regex trunc_re(R"(column\.truncate\.to\.(\d+)\.chars)");
    for (auto& [key, val] : props) {
        std::smatch m;
        column_rule r;
        if (std::regex_match(key, m, mask_re)) {
            r.k = column_rule::mask;
            r.length = std::stoi(m[1]);
        } else if (std::regex_match(key, m, hash_re)) {
            r.k = column_rule::hash;
            r.v2 = m[1].matched;
            r.algorithm = m[2];
            r.salt = m[3];
        } else if (std::regex_match(key, m, trunc_re)) {
            r.k = column_rule::truncate;
            r.length = std::stoi(m[1]);
        } else {
            continue;
        }
        r.patterns = split_regex_list(val);
        s.column_rules.push_back(std::move(r));
    }
    return s;
}

} // namespace ferry::plugins::postgres_cdc
