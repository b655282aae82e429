#pragma once
// Confluent's JDBC source and sink connectors (io.confluent.connect.jdbc.JdbcSourceConnector /
// JdbcSinkConnector) for PostgreSQL, MariaDB/MySQL and SQLite. See docs/connectors/jdbc.md.

#include "ferry/plugin.hpp"

#include <memory>
#include <string>

namespace ferry::plugins::jdbc {

inline constexpr const char* source_class = "io.confluent.connect.jdbc.JdbcSourceConnector";
inline constexpr const char* source_task_class = "io.confluent.connect.jdbc.source.JdbcSourceTask";
inline constexpr const char* sink_class = "io.confluent.connect.jdbc.JdbcSinkConnector";
inline constexpr const char* sink_task_class = "io.confluent.connect.jdbc.sink.JdbcSinkTask";

void register_source(plugin_registry& r);
void register_sink(plugin_registry& r);

class dialect;
class session;
std::unique_ptr<dialect> make_postgres_dialect();
std::unique_ptr<dialect> make_mysql_dialect();
std::unique_ptr<dialect> make_sqlite_dialect();
// PostgreSQL-only session knobs.
void pg_set_isolation(session& s, const std::string& mode);
bool pg_can_see_all_activity(session& s);

} // namespace ferry::plugins::jdbc

namespace ferry {
void register_jdbc(plugin_registry& r);
}
