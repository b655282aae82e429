#pragma once
// Catalog queries on a regular connection: the type registry (pg_type, pg_enum), the tables to
// capture, and a table's columns with nullability, defaults and key (primary key, else the
// replica identity index or the first unique index) - what Debezium reads through JDBC metadata.

#include "pg_conn.hpp"
#include "pg_types.hpp"

#include <string>
#include <vector>

namespace ferry::plugins::postgres_cdc {

struct table_ref {
    uint32_t relid = 0;
    std::string schema;
    std::string table;
    char replica_identity = 'd';
};

void load_types(pg_conn& c, type_registry& types);
// Ordinary and partitioned tables (relkind r and p) outside the system schemas, sorted by schema
// and name - as Debezium lists TABLE and PARTITIONED TABLE:
// a partitioned parent is captured like a table - its snapshot reads every partition, and with
// publish.via.partition.root its changes are published under its name.
std::vector<table_ref> list_tables(pg_conn& c);
// nullopt when the relation no longer exists.
std::optional<table_ref> read_table(pg_conn& c, uint32_t relid);
// Every live column in attnum order.
std::vector<column_info> read_columns(pg_conn& c, uint32_t relid);
// Rows of the table (pg_class.reltuples; -1 when never analysed).
int64_t estimate_rows(pg_conn& c, uint32_t relid);

} // namespace ferry::plugins::postgres_cdc
