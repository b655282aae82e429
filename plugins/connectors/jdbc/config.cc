#include "plugins/connectors/jdbc/config.hpp"

#include "config/regex.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ferry::plugins::jdbc {

using namespace config;

namespace {

std::string upper(std::string s) {
    for (auto& c : s) c = char(std::toupper((unsigned char)c));
    return s;
}

// Confluent's EnumValidator: the value in lower or upper case, nothing else.
validator enum_of(std::vector<std::string> lower_values) {
    return [lower_values](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* s = std::get_if<std::string>(&v);
        if (!s) return std::nullopt;
        for (auto& l : lower_values)
            if (*s == l || *s == upper(l)) return std::nullopt;
        return invalid_value(name, v, "Invalid enumerator");
    };
}

validator time_zone_validator() {
    return [](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* s = std::get_if<std::string>(&v);
        if (!s) return std::nullopt;
        try {
            tz::zone::load(*s);
        } catch (const std::exception&) {
            return invalid_value(name, v,
                                 "Invalid time zone. See the list of valid time zones at "
                                 "https://docs.oracle.com/javase/8/docs/api/java/time/ZoneId.html#shortIds");
        }
        return std::nullopt;
    };
}

validator topic_prefix_validator() {
    return [](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* s = std::get_if<std::string>(&v);
        if (!s) return invalid_value(name, v, "Topic prefix must not be null.");
        std::string t = *s;
        while (!t.empty() && std::isspace((unsigned char)t.back())) t.pop_back();
        size_t b = 0;
        while (b < t.size() && std::isspace((unsigned char)t[b])) b++;
        t = t.substr(b);
        if (t.size() > 249)
            return invalid_value(name, v, "Topic prefix length must not exceed max topic name length, 249 chars");
        for (char c : t)
            if (!std::isalnum((unsigned char)c) && c != '.' && c != '_' && c != '-')
                return invalid_value(name, v,
                                     "Topic prefix must not contain any character other than ASCII alphanumerics, "
                                     "'.', '_' and '-'.");
        return std::nullopt;
    };
}

validator regex_list_validator() {
    return [](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* l = std::get_if<std::vector<std::string>>(&v);
        if (!l) return std::nullopt;
        for (auto& r : *l) {
            auto re = config::regex::compile(r);
            if (!re)
                return invalid_value(name, v,
                                     "Must be a valid comma-separated list of regular expression patterns: " +
                                         re.error().message);
        }
        return std::nullopt;
    };
}

validator numeric_mapping_validator() {
    return [](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* s = std::get_if<std::string>(&v);
        if (!s) return std::nullopt;
        std::string l = *s;
        for (auto& c : l) c = char(std::tolower((unsigned char)c));
        if (l == "none" || l == "precision_only" || l == "best_fit" || l == "best_fit_eager_double") return std::nullopt;
        return invalid_value(name, v, "String must be one of: none, precision_only, best_fit, best_fit_eager_double");
    };
}

const char* const url_doc =
    "JDBC connection URL.\nFor example: ``jdbc:postgresql://localhost:5432/db?user=u&password=p``, "
    "``jdbc:mysql://localhost/db_name``, ``jdbc:mariadb://localhost:3306/db_name``, ``jdbc:sqlite:/path/to.db``";

void define_connection(config_def& d, bool url_required) {
    d.define({.name = "connection.url", .type = config_type::string, .def = url_required ? no_default : config_default(""),
              .imp = importance::high, .doc = url_doc, .group = url_required ? "Connection" : "Database", .order = 1,
              .w = width::long_, .display_name = "JDBC URL"})
        .define({.name = "connection.user", .type = config_type::string, .def = null_default, .imp = importance::high,
                 .doc = "JDBC connection user.", .group = url_required ? "Connection" : "Database", .order = 2,
                 .w = width::long_, .display_name = "JDBC User"})
        .define({.name = "connection.password", .type = config_type::password, .def = null_default,
                 .imp = importance::high, .doc = "JDBC connection password.",
                 .group = url_required ? "Connection" : "Database", .order = 3, .w = width::short_,
                 .display_name = "JDBC Password"})
        .define({.name = "jdbc.credentials.provider.class", .type = config_type::class_,
                 .def = "io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider",
                 .valid = validators::one_of({"io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider"}),
                 .imp = importance::low,
                 .doc = "Credentials provider or provider chain to use for authentication to database. By default "
                        "the connector uses ``io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider`` "
                        "(connection.user / connection.password), the only one Ferry has.",
                 .group = url_required ? "Connection" : "Database", .order = 4, .w = width::long_,
                 .display_name = "JDBC Credentials Provider Class"})
        .define({.name = "connection.attempts", .type = config_type::int_, .def = "3", .valid = validators::at_least(1),
                 .imp = importance::low,
                 .doc = "Maximum number of attempts to retrieve a valid JDBC connection. Must be a positive integer.",
                 .group = url_required ? "Connection" : "Database", .order = 5, .w = width::short_,
                 .display_name = "JDBC connection attempts"})
        .define({.name = "connection.backoff.ms", .type = config_type::long_, .def = "10000", .imp = importance::low,
                 .doc = "Backoff time in milliseconds between connection attempts.",
                 .group = url_required ? "Connection" : "Database", .order = 6, .w = width::short_,
                 .display_name = "JDBC connection backoff in milliseconds"})
        .define({.name = "dialect.name", .type = config_type::string, .def = "", .imp = importance::low,
                 .doc = "The name of the database dialect that should be used for this connector. By default this "
                        "is empty, and the connector automatically determines the dialect based upon the JDBC "
                        "connection URL. One of PostgreSqlDatabaseDialect, MySqlDatabaseDialect, "
                        "SqliteDatabaseDialect.",
                 .group = url_required ? "Connection" : "Database", .order = 7, .w = width::long_,
                 .display_name = "Database Dialect",
                 .recommender = [](const std::map<std::string, config_value>&) {
                     return std::vector<std::string>{"", "MySqlDatabaseDialect", "PostgreSqlDatabaseDialect",
                                                     "SqliteDatabaseDialect"};
                 }});
}

config_def build_source_def() {
    config_def d;
    define_connection(d, false);
    int o = 7;
    d.define({.name = "table.whitelist", .type = config_type::list, .def = "", .imp = importance::medium,
              .doc = "List of tables to include in copying. If specified, ``table.blacklist`` may not be set. Use a "
                     "comma-separated list to specify multiple tables (for example, ``table.whitelist: \"User, "
                     "Address, Email\"``).",
              .group = "Database", .order = ++o, .w = width::long_, .display_name = "Table Whitelist"})
        .define({.name = "table.blacklist", .type = config_type::list, .def = "", .imp = importance::medium,
                 .doc = "List of tables to exclude from copying. If specified, ``table.whitelist`` may not be set.",
                 .group = "Database", .order = ++o, .w = width::long_, .display_name = "Table Blacklist"})
        .define({.name = "table.include.list", .type = config_type::list, .def = "", .valid = regex_list_validator(),
                 .imp = importance::medium,
                 .doc = "A comma-separated list of regular expressions that match the fully-qualified names of "
                        "tables to be copied (for example ``public.customer.*``). If specified, the legacy "
                        "``table.whitelist`` and ``table.blacklist`` cannot be set.",
                 .group = "Database", .order = ++o, .w = width::long_, .display_name = "Tables Included (Regex)"})
        .define({.name = "table.exclude.list", .type = config_type::list, .def = "", .valid = regex_list_validator(),
                 .imp = importance::medium,
                 .doc = "A comma-separated list of regular expressions that match the fully-qualified names of "
                        "tables not to be copied. Requires ``table.include.list``.",
                 .group = "Database", .order = ++o, .w = width::long_, .display_name = "Tables Excluded (Regex)"})
        .define({.name = "catalog.pattern", .type = config_type::string, .def = null_default, .imp = importance::medium,
                 .doc = "Catalog pattern to fetch table metadata from the database.\n  * ``\"\"`` retrieves those "
                        "without a catalog \n  * null (default) indicates that the catalog is not used to narrow "
                        "the search.",
                 .group = "Database", .order = ++o, .w = width::short_, .display_name = "Catalog pattern"})
        .define({.name = "schema.pattern", .type = config_type::string, .def = null_default, .imp = importance::high,
                 .doc = "Schema pattern to fetch table metadata from the database.\n  * ``\"\"`` retrieves those "
                        "without a schema.\n  * null (default) indicates that the schema name is not used to "
                        "narrow the search and that all table metadata is fetched, regardless of the schema.",
                 .group = "Database", .order = ++o, .w = width::short_, .display_name = "Schema pattern"})
        .define({.name = "numeric.precision.mapping", .type = config_type::boolean, .def = "false",
                 .imp = importance::low,
                 .doc = "Whether or not to attempt mapping NUMERIC values by precision to integral types. This "
                        "option is now deprecated. Please use ``numeric.mapping`` instead.",
                 .group = "Database", .order = ++o, .w = width::short_,
                 .display_name = "Map Numeric Values By Precision (deprecated)"})
        .define({.name = "numeric.mapping", .type = config_type::string, .def = null_default,
                 .valid = numeric_mapping_validator(), .imp = importance::low,
                 .doc = "Map NUMERIC values by precision and optionally scale to integral or decimal types.\n  * "
                        "``none``: all NUMERIC columns are Connect's DECIMAL logical type.\n  * ``best_fit``: "
                        "INT8, INT16, INT32, INT64 or FLOAT64 based upon precision and scale, DECIMAL when no "
                        "primitive type fits.\n  * ``best_fit_eager_double``: as best_fit, but columns with a scale "
                        "are always FLOAT64.\n  * ``precision_only``: by precision only, assuming scale 0.",
                 .group = "Database", .order = ++o, .w = width::short_,
                 .display_name = "Map Numeric Values, Integral or Decimal, By Precision and Scale",
                 .recommender = [](const std::map<std::string, config_value>&) {
                     return std::vector<std::string>{"none", "precision_only", "best_fit", "best_fit_eager_double"};
                 }})
        .define({.name = "date.calendar.system", .type = config_type::string, .def = "LEGACY",
                 .valid = validators::one_of({"LEGACY", "PROLEPTIC_GREGORIAN"}), .imp = importance::low,
                 .doc = "LEGACY or PROLEPTIC_GREGORIAN. Ferry always uses the proleptic Gregorian calendar; both "
                        "give identical values for dates after 1582-10-15.",
                 .group = "Database", .order = ++o, .w = width::medium, .display_name = "Date Calendar System"});
    o = 0;
    d.define({.name = "mode", .type = config_type::string, .def = "",
              .valid = validators::one_of({"", "bulk", "timestamp", "incrementing", "timestamp+incrementing"}),
              .imp = importance::high,
              .doc = "The mode for updating a table each time it is polled. Options include:\n  * bulk: perform a "
                     "bulk load of the entire table each time it is polled\n  * incrementing: use a strictly "
                     "incrementing column on each table to detect only new rows. Note that this will not detect "
                     "modifications or deletions of existing rows.\n  * timestamp: use a timestamp (or "
                     "timestamp-like) column to detect new and modified rows.\n  * timestamp+incrementing: use two "
                     "columns, a timestamp column that detects new and modified rows and a strictly incrementing "
                     "column which provides a globally unique ID for updates so each row can be assigned a unique "
                     "stream offset.",
              .group = "Mode", .order = ++o, .w = width::medium, .display_name = "Table Loading Mode",
              .dependents = {"incrementing.column.name", "timestamp.column.name", "incrementing.column.mapping",
                             "timestamp.columns.mapping", "validate.non.null"}})
        .define({.name = "incrementing.column.name", .type = config_type::string, .def = "", .imp = importance::medium,
                 .doc = "The name of the strictly incrementing column to use to detect new rows. Any empty value "
                        "indicates the column should be autodetected by looking for an auto-incrementing column. "
                        "This column may not be nullable.",
                 .group = "Mode", .order = ++o, .w = width::medium, .display_name = "Incrementing Column Name"})
        .define({.name = "timestamp.column.name", .type = config_type::list, .def = "", .imp = importance::medium,
                 .doc = "Comma separated list of one or more timestamp columns to detect new or modified rows using "
                        "the COALESCE SQL function. Rows whose first non-null timestamp value is greater than the "
                        "largest previous timestamp value seen will be discovered with each poll. At least one "
                        "column should not be nullable.",
                 .group = "Mode", .order = ++o, .w = width::medium, .display_name = "Timestamp Column Name"})
        .define({.name = "timestamp.columns.mapping", .type = config_type::list, .def = "", .imp = importance::medium,
                 .doc = "A comma separated list of table regex to timestamp columns mappings, "
                        "``regex1:[col1|col2],regex2:[col3]``, matched against fully-qualified table names.",
                 .group = "Mode", .order = ++o, .w = width::long_, .display_name = "Table to timestamp columns mappings"})
        .define({.name = "incrementing.column.mapping", .type = config_type::list, .def = "", .imp = importance::medium,
                 .doc = "A comma separated list of table regex to incrementing column mappings, "
                        "``regex1:col2,regex2:col1``, matched against fully-qualified table names.",
                 .group = "Mode", .order = ++o, .w = width::long_, .display_name = "Table to incrementing column mappings"})
        .define({.name = "timestamp.initial", .type = config_type::long_, .def = null_default, .imp = importance::low,
                 .doc = "The epoch timestamp used for initial queries that use timestamp criteria. Use -1 to use the "
                        "current time. If not specified, all data will be retrieved.",
                 .group = "Mode", .order = ++o, .w = width::medium, .display_name = "Unix time value of initial timestamp"})
        .define({.name = "validate.non.null", .type = config_type::boolean, .def = "true", .imp = importance::low,
                 .doc = "By default, the JDBC connector will validate that all incrementing and timestamp tables have "
                        "NOT NULL set for the columns being used as their ID/timestamp. If the tables don't, JDBC "
                        "connector will fail to start. Setting this to false will disable these checks.",
                 .group = "Mode", .order = ++o, .w = width::short_, .display_name = "Validate Non Null"})
        .define({.name = "query", .type = config_type::string, .def = "", .imp = importance::medium,
                 .doc = "If specified, the query to perform to select new or updated rows. Use this setting if you "
                        "want to join tables, select subsets of columns in a table, or filter data. If used, this "
                        "connector will only copy data using this query -- whole-table copying will be disabled. "
                        "The connector appends its WHERE clause to the query, so it must not contain one (wrap it "
                        "in a subquery).",
                 .group = "Mode", .order = ++o, .w = width::short_, .display_name = "Query"})
        .define({.name = "query.masked", .type = config_type::password, .def = "", .imp = importance::medium,
                 .doc = "Same as 'query' configuration but the query string is masked. Use this config to prevent "
                        "sensitive information from being logged.",
                 .group = "Mode", .order = ++o, .w = width::short_, .display_name = "Query (Masked)",
                 .visible = [](const std::map<std::string, config_value>&) { return false; }})
        .define({.name = "quote.sql.identifiers", .type = config_type::string, .def = "always",
                 .imp = importance::medium,
                 .doc = "When to quote table names, column names, and other identifiers in SQL statements. For "
                        "backward compatibility, the default is ``always``.",
                 .group = "Mode", .order = ++o, .w = width::medium, .display_name = "Quote Identifiers",
                 .recommender = [](const std::map<std::string, config_value>&) {
                     return std::vector<std::string>{"always", "never"};
                 }})
        .define({.name = "query.suffix", .type = config_type::string, .def = "", .imp = importance::low,
                 .doc = "Suffix to append at the end of the generated query.", .group = "Mode", .order = ++o,
                 .w = width::medium, .display_name = "Query suffix"})
        .define({.name = "transaction.isolation.mode", .type = config_type::string, .def = "DEFAULT",
                 .valid = validators::one_of({"DEFAULT", "READ_UNCOMMITTED", "READ_COMMITTED", "REPEATABLE_READ",
                                              "SERIALIZABLE", "SQL_SERVER_SNAPSHOT"}),
                 .imp = importance::low,
                 .doc = "Mode to control which transaction isolation level is used when running queries against the "
                        "database. By default no explicit transaction isolation mode is set.",
                 .group = "Mode", .order = ++o, .w = width::medium, .display_name = "Transaction Isolation Mode"})
        .define({.name = "query.retry.attempts", .type = config_type::int_, .def = "-1", .imp = importance::low,
                 .doc = "Number of times to retry SQL exceptions encountered when executing queries.",
                 .group = "Mode", .order = ++o, .w = width::medium, .display_name = "Query Retry Attempts"});
    o = 0;
    d.define({.name = "table.types", .type = config_type::list, .def = "TABLE", .imp = importance::low,
              .doc = "By default, the JDBC connector will only detect tables with type TABLE from the source "
                     "Database. This config allows a command separated list of table types to extract. Options "
                     "include:\n  * TABLE\n  * VIEW\n  * SYSTEM TABLE\n  * GLOBAL TEMPORARY\n  * LOCAL TEMPORARY\n  "
                     "* ALIAS\n  * SYNONYM\n  In most cases it only makes sense to have either TABLE or VIEW.",
              .group = "Connector", .order = ++o, .w = width::medium, .display_name = "Table Types"})
        .define({.name = "poll.interval.ms", .type = config_type::int_, .def = "5000", .imp = importance::high,
                 .doc = "Frequency in ms to poll for new data in each table.", .group = "Connector", .order = ++o,
                 .w = width::short_, .display_name = "Poll Interval (ms)"})
        .define({.name = "batch.max.rows", .type = config_type::int_, .def = "1000", .imp = importance::low,
                 .doc = "Maximum number of rows to include in a single batch when polling for new data. This setting "
                        "can be used to limit the amount of data buffered internally in the connector.",
                 .group = "Connector", .order = ++o, .w = width::short_, .display_name = "Max Rows Per Batch"})
        .define({.name = "max.buffer.size", .type = config_type::int_, .def = "0", .imp = importance::low,
                 .doc = "The maximum number of records from the source database that can be buffered into memory. "
                        "Ferry reads batch.max.rows rows per poll and buffers nothing more.",
                 .group = "Connector", .order = ++o, .w = width::short_, .display_name = "Maximum Buffer Size"})
        .define({.name = "poll.linger.ms", .type = config_type::long_, .def = "5000", .imp = importance::low,
                 .doc = "The maximum time to wait for a record before returning an empty batch.",
                 .group = "Connector", .order = ++o, .w = width::short_, .display_name = "Poll Linger Milliseconds"})
        .define({.name = "table.monitoring.startup.polling.limit.ms", .type = config_type::long_, .def = "10000",
                 .imp = importance::low, .internal = true})
        .define({.name = "table.poll.interval.ms", .type = config_type::long_, .def = "60000", .imp = importance::low,
                 .doc = "Frequency in ms to poll for new or removed tables, which may result in updated task "
                        "configurations to start polling for data in added tables or stop polling for data in "
                        "removed tables.",
                 .group = "Connector", .order = ++o, .w = width::short_,
                 .display_name = "Metadata Change Monitoring Interval (ms)"})
        .define({.name = "topic.prefix", .type = config_type::string, .def = "", .valid = topic_prefix_validator(),
                 .imp = importance::high,
                 .doc = "Prefix to prepend to table names to generate the name of the Kafka topic to publish data "
                        "to, or in the case of a custom query, the full name of the topic to publish to.",
                 .group = "Connector", .order = ++o, .w = width::medium, .display_name = "Topic Prefix"})
        .define({.name = "timestamp.delay.interval.ms", .type = config_type::long_, .def = "0", .imp = importance::high,
                 .doc = "How long to wait after a row with certain timestamp appears before we include it in the "
                        "result. You may choose to add some delay to allow transactions with earlier timestamp to "
                        "complete. The first execution will fetch all available records (i.e. starting at timestamp "
                        "0) until current time minus the delay. Every following execution will get data from the "
                        "last time we fetched until current time minus the delay.",
                 .group = "Connector", .order = ++o, .w = width::medium, .display_name = "Delay Interval (ms)"})
        .define({.name = "db.timezone", .type = config_type::string, .def = "UTC", .valid = time_zone_validator(),
                 .imp = importance::medium,
                 .doc = "Name of the JDBC timezone used in the connector when querying with time-based criteria. "
                        "Defaults to UTC.",
                 .group = "Connector", .order = ++o, .w = width::medium, .display_name = "DB time zone"})
        .define({.name = "timestamp.granularity", .type = config_type::string, .def = "connect_logical",
                 .valid = validators::one_of({"connect_logical", "micros_long", "micros_string",
                                              "micros_iso_datetime_string", "nanos_long", "nanos_string",
                                              "nanos_iso_datetime_string"},
                                             false),
                 .imp = importance::low,
                 .doc = "Define the granularity of the Timestamp column. Options include: \n  * connect_logical "
                        "(default): represents timestamp values using Kafka Connect's built-in representations \n  "
                        "* micros_long: represents timestamp values as micros since epoch\n  * micros_string: "
                        "represents timestamp values as micros since epoch in string\n  * "
                        "micros_iso_datetime_string: uses iso format 'yyyy-MM-dd'T'HH:mm:ss.SSSSSS'\n  * "
                        "nanos_long: represents timestamp values as nanos since epoch\n  * nanos_string: represents "
                        "timestamp values as nanos since epoch in string\n  * nanos_iso_datetime_string: uses iso "
                        "format 'yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'\n",
                 .group = "Connector", .order = ++o, .w = width::medium,
                 .display_name = "Timestamp granularity for timestamp columns"})
        .define({.name = "timestamp.late.commit.guard", .type = config_type::boolean, .def = "true",
                 .imp = importance::low,
                 .doc = "Ferry only. In timestamp modes on PostgreSQL and MariaDB/MySQL, bound every query by "
                        "the start time of the oldest transaction still open in the database (minus one second), so "
                        "rows committed late by long transactions are not skipped (PostgreSQL: needs "
                        "pg_read_all_stats or superuser to see other users' transactions; MariaDB/MySQL: PROCESS). "
                        "Set to false for Confluent's exact bound (DB time minus timestamp.delay.interval.ms).",
                 .group = "Connector", .order = ++o, .w = width::short_, .display_name = "Late-commit guard"});
    return d;
}

config_def build_sink_def() {
    config_def d;
    define_connection(d, true);
    d.define({.name = "insert.mode", .type = config_type::string, .def = "insert",
              .valid = enum_of({"insert", "upsert", "update"}), .imp = importance::high,
              .doc = "The insertion mode to use. Supported modes are:\n``insert``\n    Use standard SQL ``INSERT`` "
                     "statements.\n``upsert``\n    Use the appropriate upsert semantics for the target database if "
                     "it is supported by the connector, e.g. ``INSERT .. ON CONFLICT``.\n``update``\n    Use the "
                     "appropriate update semantics for the target database if it is supported by the connector, "
                     "e.g. ``UPDATE``.",
              .group = "Writes", .order = 1, .w = width::medium, .display_name = "Insert Mode"})
        .define({.name = "batch.size", .type = config_type::int_, .def = "3000", .valid = validators::at_least(0),
                 .imp = importance::medium,
                 .doc = "Specifies how many records to attempt to batch together for insertion into the destination "
                        "table, when possible.",
                 .group = "Writes", .order = 2, .w = width::short_, .display_name = "Batch Size"})
        .define({.name = "delete.enabled", .type = config_type::boolean, .def = "false", .imp = importance::medium,
                 .doc = "Whether to treat ``null`` record values as deletes. Requires ``pk.mode`` to be "
                        "``record_key``.",
                 .group = "Writes", .order = 3, .w = width::short_, .display_name = "Enable deletes"})
        .define({.name = "table.types", .type = config_type::list, .def = "TABLE",
                 .valid = validators::list_of({"TABLE", "PARTITIONED_TABLE", "VIEW"}), .imp = importance::low,
                 .doc = "The comma-separated types of database tables to which the sink connector can write. By "
                        "default this is ``TABLE``, but any combination of ``TABLE``, ``PARTITIONED_TABLE`` and "
                        "``VIEW`` is allowed.",
                 .group = "Writes", .order = 4, .w = width::medium, .display_name = "Table Types"})
        .define({.name = "replace.null.with.default", .type = config_type::boolean, .def = "true",
                 .imp = importance::low, .doc = "Whether to replace ``null`` value with default value",
                 .group = "Writes", .order = 5, .w = width::medium,
                 .display_name = "Replace null value with default value"})
        .define({.name = "table.name.format", .type = config_type::string, .def = "${topic}",
                 .valid = validators::non_empty_string(), .imp = importance::medium,
                 .doc = "A format string for the destination table name, which may contain '${topic}' as a "
                        "placeholder for the originating topic name.\nFor example, ``kafka_${topic}`` for the topic "
                        "'orders' will map to the table name 'kafka_orders'.",
                 .group = "Data Mapping", .order = 1, .w = width::long_, .display_name = "Table Name Format"})
        .define({.name = "pk.mode", .type = config_type::string, .def = "none",
                 .valid = enum_of({"none", "kafka", "record_key", "record_value"}), .imp = importance::high,
                 .doc = "The primary key mode, also refer to ``pk.fields`` documentation for interplay. Supported "
                        "modes are:\n``none``\n    No keys utilized.\n``kafka``\n    Kafka coordinates are used as "
                        "the PK.\n``record_key``\n    Field(s) from the record key are used, which may be a "
                        "primitive or a struct.\n``record_value``\n    Field(s) from the record value are used, "
                        "which must be a struct.",
                 .group = "Data Mapping", .order = 2, .w = width::medium, .display_name = "Primary Key Mode"})
        .define({.name = "pk.fields", .type = config_type::list, .def = "", .imp = importance::medium,
                 .doc = "List of comma-separated primary key field names. The runtime interpretation of this config "
                        "depends on the ``pk.mode``:\n``none``\n    Ignored as no fields are used as primary key in "
                        "this mode.\n``kafka``\n    Must be a trio representing the Kafka coordinates, defaults to "
                        "``__connect_topic,__connect_partition,__connect_offset`` if empty.\n``record_key``\n    If "
                        "empty, all fields from the key struct will be used, otherwise used to extract the desired "
                        "fields - for primitive key only a single field name must be configured.\n``record_value``\n "
                        "   If empty, all fields from the value struct will be used, otherwise used to extract the "
                        "desired fields.",
                 .group = "Data Mapping", .order = 3, .w = width::long_, .display_name = "Primary Key Fields"})
        .define({.name = "fields.whitelist", .type = config_type::list, .def = "", .imp = importance::medium,
                 .doc = "List of comma-separated record value field names. If empty, all fields from the record "
                        "value are utilized, otherwise used to filter to the desired fields.\nNote that "
                        "``pk.fields`` is applied independently in the context of which field(s) form the primary "
                        "key columns in the destination database, while this configuration is applicable for the "
                        "other columns.",
                 .group = "Data Mapping", .order = 4, .w = width::long_, .display_name = "Fields Whitelist"})
        .define({.name = "db.timezone", .type = config_type::string, .def = "UTC", .valid = time_zone_validator(),
                 .imp = importance::medium,
                 .doc = "Name of the JDBC timezone that should be used in the connector when inserting time-based "
                        "values. Defaults to UTC.",
                 .group = "Data Mapping", .order = 5, .w = width::medium, .display_name = "DB Time Zone"})
        .define({.name = "date.timezone", .type = config_type::string, .def = "DB_TIMEZONE",
                 .valid = enum_of({"db_timezone", "utc"}), .imp = importance::low,
                 .doc = "Name of the JDBC timezone that should be used in the connector when inserting DATE type "
                        "values. Defaults to DB_TIMEZONE that uses the timezone set for db.timezone configuration "
                        "(to maintain backward compatibility). It is recommended to set this to UTC to avoid "
                        "conversion for DATE type values.",
                 .group = "Data Mapping", .order = 6, .w = width::medium, .display_name = "Date Time Zone"})
        .define({.name = "timestamp.fields.list", .type = config_type::list, .def = "", .imp = importance::medium,
                 .doc = "List of comma-separated record value timestamp field names that should be converted to "
                        "timestamps. These fields will be converted based on precision mode specified in "
                        "timestamp.precision.mode(microseconds or nanoseconds). The timestamp fields included here "
                        "should be Long or String type and nested fields are not supported.",
                 .group = "Data Mapping", .order = 7, .w = width::medium, .display_name = "Timestamp Fields List"})
        .define({.name = "timestamp.precision.mode", .type = config_type::string, .def = "microseconds",
                 .valid = enum_of({"microseconds", "nanoseconds"}), .imp = importance::low,
                 .doc = "Convert the Timestamp with precision. If set to microseconds, the timestamp will be "
                        "converted to microsecond precision. If set to nanoseconds the timestamp will be converted to "
                        "nanoseconds precision.",
                 .group = "Data Mapping", .order = 8, .w = width::medium,
                 .display_name = "Sink Timestamp Precision mode"})
        .define({.name = "date.calendar.system", .type = config_type::string, .def = "LEGACY",
                 .valid = validators::one_of({"LEGACY", "PROLEPTIC_GREGORIAN"}), .imp = importance::low,
                 .doc = "LEGACY or PROLEPTIC_GREGORIAN. Ferry always uses the proleptic Gregorian calendar; both give "
                        "identical values for dates after 1582-10-15.",
                 .group = "Data Mapping", .order = 9, .w = width::medium, .display_name = "Date Calendar System"})
        .define({.name = "string.output.value.column.name", .type = config_type::string, .def = "record_value",
                 .valid = validators::non_empty_string(), .imp = importance::low,
                 .doc = "When the Kafka record value uses the String schema (e.g. records produced with "
                        "StringConverter), the connector writes the value into a single column with this name.",
                 .group = "Data Mapping", .order = 10, .w = width::medium, .display_name = "String Value Column Name"})
        .define({.name = "auto.create", .type = config_type::boolean, .def = "false", .imp = importance::medium,
                 .doc = "Whether to automatically create the destination table based on record schema if it is found "
                        "to be missing by issuing ``CREATE``.",
                 .group = "DDL Support", .order = 1, .w = width::short_, .display_name = "Auto-Create"})
        .define({.name = "auto.evolve", .type = config_type::boolean, .def = "false", .imp = importance::medium,
                 .doc = "Whether to automatically add columns in the table schema when found to be missing relative "
                        "to the record schema by issuing ``ALTER``.",
                 .group = "DDL Support", .order = 2, .w = width::short_, .display_name = "Auto-Evolve"})
        .define({.name = "quote.sql.identifiers", .type = config_type::string, .def = "always",
                 .imp = importance::medium,
                 .doc = "When to quote table names, column names, and other identifiers in SQL statements. For "
                        "backward compatibility, the default is ``always``.",
                 .group = "DDL Support", .order = 3, .w = width::medium, .display_name = "Quote Identifiers",
                 .recommender = [](const std::map<std::string, config_value>&) {
                     return std::vector<std::string>{"always", "never"};
                 }})
        .define({.name = "mssql.use.merge.holdlock", .type = config_type::boolean, .def = "true",
                 .imp = importance::low,
                 .doc = "Whether to use HOLDLOCK when performing a MERGE INTO upsert statement. Note that it is only "
                        "applicable to SQL Server.",
                 .group = "DML Support", .order = 1, .w = width::medium,
                 .display_name = "SQL Server - Use HOLDLOCK in MERGE"})
        .define({.name = "max.retries", .type = config_type::int_, .def = "10", .valid = validators::at_least(0),
                 .imp = importance::medium,
                 .doc = "The maximum number of times to retry on errors before failing the task.", .group = "Retries",
                 .order = 1, .w = width::short_, .display_name = "Maximum Retries"})
        .define({.name = "retry.backoff.ms", .type = config_type::int_, .def = "3000", .valid = validators::at_least(0),
                 .imp = importance::medium,
                 .doc = "The time in milliseconds to wait following an error before a retry attempt is made.",
                 .group = "Retries", .order = 2, .w = width::short_, .display_name = "Retry Backoff (millis)"})
        .define({.name = "trim.sensitive.log", .type = config_type::boolean, .def = "false", .imp = importance::low,
                 .internal = true});
    return d;
}

quote_method parse_quote(const std::string& key, const std::string& v) {
    std::string l = v;
    for (auto& c : l) c = char(std::tolower((unsigned char)c));
    if (l == "always") return quote_method::always;
    if (l == "never") return quote_method::never;
    throw config_error(fmt::format("Invalid value {} for configuration {}: must be one of always, never", v, key));
}

connection_settings parse_connection(const config_values& v, const config_map& props) {
    connection_settings c;
    c.url = v.get_string("connection.url");
    c.user = v.get_string_opt("connection.user");
    if (auto p = v.get_password("connection.password")) c.password = p->secret;
    c.attempts = v.get_int("connection.attempts");
    c.backoff_ms = v.get_long("connection.backoff.ms");
    c.dialect_name = v.get_string("dialect.name");
    if (auto it = props.find("name"); it != props.end()) c.connector_name = it->second;
    c.zone = tz::zone::load(v.get_string("db.timezone"));
    return c;
}

std::string trim(std::string s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace((unsigned char)s[b])) b++;
    while (e > b && std::isspace((unsigned char)s[e - 1])) e--;
    return s.substr(b, e - b);
}

} // namespace

const config_def& source_config_def() {
    static const config_def d = build_source_def();
    return d;
}

const config_def& source_task_config_def() {
    static const config_def d = [] {
        config_def t = build_source_def();
        t.define({.name = "tables", .type = config_type::list, .def = "", .imp = importance::high,
                  .doc = "List of tables for this task to watch for changes."})
            .define({.name = "tables.fetched", .type = config_type::boolean, .def = "false", .imp = importance::high,
                     .internal = true});
        return t;
    }();
    return d;
}

const config_def& sink_config_def() {
    static const config_def d = build_sink_def();
    return d;
}

source_settings parse_source_settings(const config_map& props, bool task) {
    auto v = (task ? source_task_config_def() : source_config_def()).parse(props);
    source_settings s;
    s.conn = parse_connection(v, props);
    s.conn.application_name = "ferry-jdbc-source";
    s.mode = v.get_string("mode");
    s.incrementing_column = v.get_string("incrementing.column.name");
    for (auto& c : v.get_list("timestamp.column.name"))
        if (!trim(c).empty()) s.timestamp_columns.push_back(trim(c));
    s.incrementing_column_mapping = v.get_list("incrementing.column.mapping");
    s.timestamp_columns_mapping = v.get_list("timestamp.columns.mapping");
    s.timestamp_delay_ms = v.get_long("timestamp.delay.interval.ms");
    s.timestamp_initial = v.get_long_opt("timestamp.initial");
    auto g = v.get_string("timestamp.granularity");
    for (auto& ch : g) ch = char(std::tolower((unsigned char)ch));
    static const std::pair<const char*, ts_granularity> gs[] = {
        {"connect_logical", ts_granularity::connect_logical},
        {"micros_long", ts_granularity::micros_long},
        {"micros_string", ts_granularity::micros_string},
        {"micros_iso_datetime_string", ts_granularity::micros_iso_datetime_string},
        {"nanos_long", ts_granularity::nanos_long},
        {"nanos_string", ts_granularity::nanos_string},
        {"nanos_iso_datetime_string", ts_granularity::nanos_iso_datetime_string}};
    for (auto& [n, e] : gs)
        if (g == n) s.granularity = e;
    s.validate_non_null = v.get_bool("validate.non.null");
    s.query = v.get_string("query");
    if (auto m = v.get_password("query.masked"); m && !m->secret.empty()) {
        if (!s.query.empty())
            throw config_error("Both 'query' and 'query.masked' configs cannot be set at the same time. Please use "
                               "only one of them.");
        s.query = m->secret;
        s.query_masked = true;
    }
    s.query_suffix = trim(v.get_string("query.suffix"));
    s.query_retry_attempts = v.get_int("query.retry.attempts");
    s.topic_prefix = trim(v.get_string("topic.prefix"));
    s.whitelist = v.get_list("table.whitelist");
    s.blacklist = v.get_list("table.blacklist");
    s.include_list = v.get_list("table.include.list");
    s.exclude_list = v.get_list("table.exclude.list");
    s.catalog_pattern = v.get_string_opt("catalog.pattern");
    s.schema_pattern = v.get_string_opt("schema.pattern");
    s.table_types = v.get_list("table.types");
    s.poll_interval_ms = v.get_int("poll.interval.ms");
    s.batch_max_rows = std::max(1, v.get_int("batch.max.rows"));
    s.table_poll_interval_ms = v.get_long("table.poll.interval.ms");
    if (auto nm = v.get_string_opt("numeric.mapping")) {
        std::string l = *nm;
        for (auto& ch : l) ch = char(std::tolower((unsigned char)ch));
        s.numerics = l == "precision_only"          ? numeric_mapping::precision_only
                     : l == "best_fit"              ? numeric_mapping::best_fit
                     : l == "best_fit_eager_double" ? numeric_mapping::best_fit_eager_double
                                                    : numeric_mapping::none;
    } else if (v.get_bool("numeric.precision.mapping")) {
        s.numerics = numeric_mapping::precision_only;
    }
    s.quote = parse_quote("quote.sql.identifiers", v.get_string("quote.sql.identifiers"));
    s.isolation_mode = v.get_string("transaction.isolation.mode");
    s.late_commit_guard = v.get_bool("timestamp.late.commit.guard");
    if (task) {
        s.tables = v.get_list("tables");
        s.tables_fetched = v.get_bool("tables.fetched");
    }
    if (!s.whitelist.empty() && !s.blacklist.empty())
        throw config_error("table.whitelist and table.blacklist are exclusive; set at most one of them");
    if ((!s.include_list.empty() || !s.exclude_list.empty()) && (!s.whitelist.empty() || !s.blacklist.empty()))
        throw config_error("Cannot mix legacy and new configuration approaches. Legacy configurations "
                           "(table.whitelist, table.blacklist) cannot be used together with table.include.list / "
                           "table.exclude.list.");
    if (!s.exclude_list.empty() && s.include_list.empty())
        throw config_error("table.exclude.list cannot be used without table.include.list. Exclude list only applies "
                           "to tables that match the include list.");
    return s;
}

sink_settings parse_sink_settings(const config_map& props) {
    auto v = sink_config_def().parse(props);
    sink_settings s;
    s.conn = parse_connection(v, props);
    s.conn.application_name = "ferry-jdbc-sink";
    auto lower = [](std::string x) {
        for (auto& c : x) c = char(std::tolower((unsigned char)c));
        return x;
    };
    auto im = lower(v.get_string("insert.mode"));
    s.insert = im == "upsert" ? insert_mode::upsert : im == "update" ? insert_mode::update : insert_mode::insert;
    s.batch_size = v.get_int("batch.size");
    s.delete_enabled = v.get_bool("delete.enabled");
    s.table_types = v.get_list("table.types");
    s.replace_null_with_default = v.get_bool("replace.null.with.default");
    s.table_name_format = trim(v.get_string("table.name.format"));
    auto pm = lower(v.get_string("pk.mode"));
    s.pk = pm == "kafka" ? pk_mode::kafka : pm == "record_key" ? pk_mode::record_key : pm == "record_value" ? pk_mode::record_value : pk_mode::none;
    s.pk_fields = v.get_list("pk.fields");
    s.fields_whitelist = v.get_list("fields.whitelist");
    s.date_zone = lower(v.get_string("date.timezone")) == "utc" ? tz::zone::utc() : s.conn.zone;
    s.timestamp_fields = v.get_list("timestamp.fields.list");
    s.timestamp_nanos = lower(v.get_string("timestamp.precision.mode")) == "nanoseconds";
    s.string_value_column = v.get_string("string.output.value.column.name");
    s.auto_create = v.get_bool("auto.create");
    s.auto_evolve = v.get_bool("auto.evolve");
    s.quote = parse_quote("quote.sql.identifiers", v.get_string("quote.sql.identifiers"));
    s.max_retries = v.get_int("max.retries");
    s.retry_backoff_ms = v.get_int("retry.backoff.ms");
    if (s.delete_enabled && s.pk != pk_mode::record_key)
        throw config_error("Primary key mode must be 'record_key' when delete support is enabled");
    return s;
}

} // namespace ferry::plugins::jdbc
