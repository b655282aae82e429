#pragma once
// Captured tables: filters (schema/table/column include and exclude lists, message prefixes),
// topic and schema naming, and the Connect schemas of one table - key, row value and envelope -
// built exactly as Debezium's TableSchemaBuilder builds them (spec section 3).

#include "config.hpp"
#include "pg_types.hpp"

#include "config/regex.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry::plugins::postgres_cdc {

class filters {
public:
    explicit filters(const settings& s);
    // schema.include/exclude, table.include/exclude, built-in schemas
    bool include_table(const std::string& schema, const std::string& table) const;
    bool include_column(const std::string& schema, const std::string& table, const std::string& column) const;
    bool include_message(const std::string& prefix) const;
    bool in_snapshot(const std::string& schema, const std::string& table) const;
    // message.key.columns for this table (empty: none configured)
    std::vector<std::string> key_columns(const std::string& schema, const std::string& table) const;

private:
    struct list {
        std::vector<config::regex> rx;
        bool empty() const { return rx.empty(); }
        bool any(const std::string& s) const;
    };
    static list compile(const std::vector<std::string>& patterns, const char* key);
    list _schema_in, _schema_ex, _table_in, _table_ex, _column_in, _column_ex, _msg_in, _msg_ex, _snapshot_in;
    std::vector<std::pair<config::regex, std::vector<std::string>>> _key_columns;
    bool _ignore_builtin = true;
};

// A column rule (mask/hash/truncate) resolved for one column.
struct column_mapping {
    enum kind { none, mask, hash, truncate } k = none;
    std::string mask_value;
    int length = 0;
    std::string algorithm, salt;
    bool v2 = false;
};

struct table_schema {
    uint32_t relid = 0;
    std::string schema_name;
    std::string table_name;
    std::string id;    // schema.table
    std::string topic;
    char replica_identity = 'd';
    std::vector<column_info> columns;   // in the order rows arrive (pgoutput Relation / snapshot SELECT)
    std::vector<column_converter> conv; // per column
    std::vector<int> value_field;       // per column: field index in the row value, -1 if not included
    std::vector<int> key_field;         // per column: field index in the key, -1 if not a key column
    std::vector<column_mapping> mapping;
    schema_ptr key_schema;   // null: the table has no key
    schema_ptr value_schema; // <topic>.Value (optional struct)
    schema_ptr envelope_schema;
};

class schema_namer {
public:
    explicit schema_namer(const settings& s) : _s(s) {}
    std::string topic(const std::string& schema, const std::string& table) const;
    std::string transaction_topic() const;
    std::string heartbeat_topic() const;
    std::string message_topic() const;
    std::string schema_name(const std::string& name) const; // schema.name.adjustment.mode
    std::string field_name(const std::string& name) const;  // field.name.adjustment.mode

private:
    const settings& _s;
};

// Shared schemas: source block, transaction block, heartbeat, transaction metadata, messages.
struct common_schemas {
    explicit common_schemas(const settings& s, const schema_namer& n);
    schema_ptr source;
    schema_ptr transaction_block;
    schema_ptr heartbeat_key, heartbeat_value;
    schema_ptr tx_key, tx_value, tx_collection;
    schema_ptr message_key, message_block, message_value;
};

// Builds a table's schemas. Columns whose type is unsupported are left out of key and value (as
// Debezium does), with a warning logged by the caller.
std::shared_ptr<table_schema> build_table_schema(const settings& s, const value_mapper& mapper, const filters& f,
                                                 const schema_namer& n, const common_schemas& cs, uint32_t relid,
                                                 const std::string& schema, const std::string& table,
                                                 char replica_identity, std::vector<column_info> columns);

// Applies a column mapping (mask/hash/truncate) to a converted string value.
value apply_mapping(const column_mapping& m, value v);

} // namespace ferry::plugins::postgres_cdc
