#include "catalog.hpp"

#include <charconv>

namespace ferry::plugins::postgres_cdc {

namespace {
template <class T>
T num(std::string_view s) {
    T v{};
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}
} // namespace

void load_types(pg_conn& c, type_registry& types) {
    auto r = c.must("SELECT t.oid, t.typname, n.nspname, t.typtype, t.typcategory, t.typelem, t.typbasetype, t.typtypmod "
                    "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace",
                    "reading pg_type");
    types.clear();
    for (int i = 0; i < r.rows(); i++) {
        type_info t;
        t.oid = num<uint32_t>(r.get(i, 0));
        t.name = r.str(i, 1);
        t.nspname = r.str(i, 2);
        t.typtype = r.get(i, 3).empty() ? 'b' : r.get(i, 3)[0];
        t.category = r.get(i, 4).empty() ? 'U' : r.get(i, 4)[0];
        t.elem = num<uint32_t>(r.get(i, 5));
        t.basetype = num<uint32_t>(r.get(i, 6));
        t.base_typmod = num<int32_t>(r.get(i, 7));
        types.add(std::move(t));
    }
    auto e = c.must("SELECT enumtypid, enumlabel FROM pg_catalog.pg_enum ORDER BY enumtypid, enumsortorder",
                    "reading pg_enum");
    type_info* cur = nullptr;
    uint32_t cur_oid = 0;
    for (int i = 0; i < e.rows(); i++) {
        auto o = num<uint32_t>(e.get(i, 0));
        if (o != cur_oid) {
            cur_oid = o;
            cur = const_cast<type_info*>(types.find(o));
        }
        if (cur) cur->enum_labels.push_back(e.str(i, 1));
    }
}

std::vector<table_ref> list_tables(pg_conn& c) {
    auto r = c.must("SELECT c.oid, n.nspname, c.relname, c.relreplident FROM pg_catalog.pg_class c "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                    "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
                    "ORDER BY n.nspname, c.relname",
                    "listing tables");
    std::vector<table_ref> out;
    for (int i = 0; i < r.rows(); i++)
        out.push_back({num<uint32_t>(r.get(i, 0)), r.str(i, 1), r.str(i, 2), r.get(i, 3).empty() ? 'd' : r.get(i, 3)[0]});
    return out;
}

std::optional<table_ref> read_table(pg_conn& c, uint32_t relid) {
    auto r = c.must("SELECT c.oid, n.nspname, c.relname, c.relreplident FROM pg_catalog.pg_class c "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
                    {std::to_string(relid)}, "reading pg_class");
    if (r.rows() == 0) return std::nullopt;
    return table_ref{relid, r.str(0, 1), r.str(0, 2), r.get(0, 3).empty() ? 'd' : r.get(0, 3)[0]};
}

std::vector<column_info> read_columns(pg_conn& c, uint32_t relid) {
    auto r = c.must(
        "SELECT a.attname, a.atttypid, a.atttypmod, "
        "a.attnotnull OR (t.typtype = 'd' AND t.typnotnull), "
        "CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END, t.typname, a.attnum "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        {std::to_string(relid)}, "reading the columns of a table");
    std::vector<column_info> cols;
    std::vector<int> attnums;
    for (int i = 0; i < r.rows(); i++) {
        column_info ci;
        ci.name = r.str(i, 0);
        ci.type_oid = num<uint32_t>(r.get(i, 1));
        ci.typmod = num<int32_t>(r.get(i, 2));
        ci.optional = r.get(i, 3) != "t";
        if (!r.is_null(i, 4)) ci.default_expr = r.str(i, 4);
        ci.type_name = r.str(i, 5);
        // pgjdbc reports integer columns whose default is a sequence as serial types
        if (ci.default_expr && ci.default_expr->find("nextval(") != std::string::npos) {
            if (ci.type_name == "int4") ci.type_name = "serial";
            else if (ci.type_name == "int8") ci.type_name = "bigserial";
            else if (ci.type_name == "int2") ci.type_name = "smallserial";
        }
        cols.push_back(std::move(ci));
        attnums.push_back(num<int>(r.get(i, 6)));
    }
    // Key: the primary key, else the replica identity index, else the first unique index
    // without expressions or predicates.
    auto k = c.must("SELECT i.indkey::text FROM pg_catalog.pg_index i "
                    "WHERE i.indrelid = $1 AND i.indisunique AND i.indexprs IS NULL AND i.indpred IS NULL "
                    "ORDER BY i.indisprimary DESC, i.indisreplident DESC, i.indexrelid LIMIT 1",
                    {std::to_string(relid)}, "reading the key of a table");
    if (k.rows() == 1) {
        auto text = k.get(0, 0); // "1 3"
        size_t p = 0;
        int seq = 0;
        while (p < text.size()) {
            auto sp = text.find(' ', p);
            if (sp == std::string_view::npos) sp = text.size();
            int attnum = num<int>(text.substr(p, sp - p));
            seq++;
            for (size_t j = 0; j < cols.size(); j++)
                if (attnums[j] == attnum) {
                    cols[j].key = true;
                    cols[j].key_seq = seq;
                }
            p = sp + 1;
        }
    }
    return cols;
}

int64_t estimate_rows(pg_conn& c, uint32_t relid) {
    auto r = c.exec("SELECT reltuples::bigint FROM pg_catalog.pg_class WHERE oid = $1", {std::to_string(relid)});
    if (r.status() != PGRES_TUPLES_OK || r.rows() == 0) return -1;
    return num<int64_t>(r.get(0, 0));
}

} // namespace ferry::plugins::postgres_cdc
