#include "plugins/connectors/jdbc/dialect.hpp"
#include "plugins/connectors/jdbc/jdbc.hpp"

namespace ferry::plugins::jdbc {

std::unique_ptr<dialect> make_dialect(db_kind k) {
    switch (k) {
    case db_kind::postgres: return make_postgres_dialect();
    case db_kind::mysql: return make_mysql_dialect();
    case db_kind::sqlite: return make_sqlite_dialect();
    }
    return make_postgres_dialect();
}

} // namespace ferry::plugins::jdbc

namespace ferry {
void register_jdbc(plugin_registry& r) {
    plugins::jdbc::register_source(r);
    plugins::jdbc::register_sink(r);
}
} // namespace ferry
