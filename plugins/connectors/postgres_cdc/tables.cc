#include "tables.hpp"

#include "ferry/connect/errors.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>

namespace ferry::plugins::postgres_cdc {

// --- filters ------------------------------------------------------------------------------------

filters::list filters::compile(const std::vector<std::string>& patterns, const char* key) {
    list l;
    for (auto& p : patterns) {
        // Debezium compiles these lists with Pattern.CASE_INSENSITIVE.
        auto r = config::regex::compile("(?i)" + p);
        if (!r) throw config_error(fmt::format("Invalid regular expression '{}' in {}: {}", p, key, r.error().message));
        l.rx.push_back(std::move(*r));
    }
    return l;
}

bool filters::list::any(const std::string& s) const {
    return std::any_of(rx.begin(), rx.end(), [&](const config::regex& r) { return r.full_match(s); });
}

filters::filters(const settings& s) {
    _schema_in = compile(s.schema_include, "schema.include.list");
    _schema_ex = compile(s.schema_exclude, "schema.exclude.list");
    _table_in = compile(s.table_include, "table.include.list");
    _table_ex = compile(s.table_exclude, "table.exclude.list");
    _column_in = compile(s.column_include, "column.include.list");
    _column_ex = compile(s.column_exclude, "column.exclude.list");
    _msg_in = compile(s.message_prefix_include, "message.prefix.include.list");
    _msg_ex = compile(s.message_prefix_exclude, "message.prefix.exclude.list");
    _snapshot_in = compile(s.snapshot_include, "snapshot.include.collection.list");
    // message.key.columns: "schema.table:c1,c2;schema2.t2:c3"
    const auto& mk = s.message_key_columns;
    size_t start = 0;
    while (start < mk.size()) {
        auto end = mk.find(';', start);
        if (end == std::string::npos) end = mk.size();
        auto entry = mk.substr(start, end - start);
        auto colon = entry.rfind(':');
        if (colon != std::string::npos) {
            auto r = config::regex::compile("(?i)" + entry.substr(0, colon));
            if (!r) throw config_error(fmt::format("Invalid table pattern in message.key.columns: {}", entry));
            std::vector<std::string> cols;
            auto cs = entry.substr(colon + 1);
            size_t a = 0;
            while (a <= cs.size()) {
                auto b = cs.find(',', a);
                if (b == std::string::npos) b = cs.size();
                auto c = cs.substr(a, b - a);
                c.erase(0, c.find_first_not_of(' '));
                c.erase(c.find_last_not_of(' ') + 1);
                if (!c.empty()) cols.push_back(c);
                a = b + 1;
            }
            _key_columns.emplace_back(std::move(*r), std::move(cols));
        }
        start = end + 1;
    }
}

bool filters::include_table(const std::string& schema, const std::string& table) const {
    if (_ignore_builtin) {
        if (schema == "pg_catalog" || schema == "information_schema" || schema.rfind("pg_toast", 0) == 0 ||
            schema.rfind("pg_temp", 0) == 0)
            return false;
    }
    if (!_schema_in.empty() && !_schema_in.any(schema)) return false;
    if (_schema_ex.any(schema)) return false;
    std::string id = schema + "." + table;
    if (!_table_in.empty()) return _table_in.any(id);
    return !_table_ex.any(id);
}

bool filters::include_column(const std::string& schema, const std::string& table, const std::string& column) const {
    if (_column_in.empty() && _column_ex.empty()) return true;
    std::string id = schema + "." + table + "." + column;
    if (!_column_in.empty()) return _column_in.any(id);
    return !_column_ex.any(id);
}

bool filters::include_message(const std::string& prefix) const {
    if (!_msg_in.empty()) return _msg_in.any(prefix);
    return !_msg_ex.any(prefix);
}

bool filters::in_snapshot(const std::string& schema, const std::string& table) const {
    if (_snapshot_in.empty()) return true;
    return _snapshot_in.any(schema + "." + table);
}

std::vector<std::string> filters::key_columns(const std::string& schema, const std::string& table) const {
    std::string id = schema + "." + table;
    for (auto& [rx, cols] : _key_columns)
        if (rx.full_match(id)) return cols;
    return {};
}

// --- naming -------------------------------------------------------------------------------------

namespace {

std::string sanitize_topic(std::string s) {
    for (auto& c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
    return s;
}

std::string avro_name(const std::string& s, bool allow_dots) {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        char c = s[i];
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (allow_dots && c == '.');
        if (i == 0 && std::isdigit(static_cast<unsigned char>(c))) ok = false;
        out += ok ? c : '_';
    }
    return out;
}

} // namespace

std::string schema_namer::topic(const std::string& schema, const std::string& table) const {
    return sanitize_topic(_s.topic_prefix + _s.topic_delimiter + schema + _s.topic_delimiter + table);
}
std::string schema_namer::transaction_topic() const {
    return sanitize_topic(_s.topic_prefix + _s.topic_delimiter + _s.transaction_topic_suffix);
}
std::string schema_namer::heartbeat_topic() const {
    return sanitize_topic(_s.heartbeat_topic_prefix + _s.topic_delimiter + _s.topic_prefix);
}
std::string schema_namer::message_topic() const { return sanitize_topic(_s.topic_prefix + ".message"); }
std::string schema_namer::schema_name(const std::string& name) const {
    return _s.avro_schema_names ? avro_name(name, true) : name;
}
std::string schema_namer::field_name(const std::string& name) const {
    return _s.avro_field_names ? avro_name(name, false) : name;
}

common_schemas::common_schemas(const settings& s, const schema_namer& n) {
    auto snapshot = schema_builder::string();
    snapshot.name("io.debezium.data.Enum").version(1)
        .parameter("allowed", "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental")
        .default_value(value(std::string("false")))
        .optional();
    auto src = schema_builder::struct_();
    src.name(n.schema_name("io.debezium.connector.postgresql.Source")).version(1);
    src.field("version", schemas::string());
    src.field("connector", schemas::string());
    src.field("name", schemas::string());
    src.field("ts_ms", schemas::int64());
    src.field("snapshot", snapshot.build());
    src.field("db", schemas::string());
    src.field("sequence", schemas::optional_string());
    src.field("ts_us", schemas::optional_int64());
    src.field("ts_ns", schemas::optional_int64());
    src.field("schema", schemas::string());
    src.field("table", schemas::string());
    src.field("txId", schemas::optional_int64());
    src.field("lsn", schemas::optional_int64());
    src.field("xmin", schemas::optional_int64());
    src.field("origin", schemas::optional_string());
    src.field("origin_lsn", schemas::optional_int64());
    source = src.build();

    auto tb = schema_builder::struct_();
    tb.optional().name("event.block").version(1);
    tb.field("id", schemas::string());
    tb.field("total_order", schemas::int64());
    tb.field("data_collection_order", schemas::int64());
    transaction_block = tb.build();

    auto hk = schema_builder::struct_();
    hk.name(n.schema_name("io.debezium.connector.common.ServerNameKey")).version(1);
    hk.field("serverName", schemas::string());
    heartbeat_key = hk.build();
    auto hv = schema_builder::struct_();
    hv.name(n.schema_name("io.debezium.connector.common.Heartbeat")).version(1);
    hv.field("ts_ms", schemas::int64());
    heartbeat_value = hv.build();

    auto tk = schema_builder::struct_();
    tk.name(n.schema_name("io.debezium.connector.common.TransactionMetadataKey")).version(1);
    tk.field("id", schemas::string());
    tx_key = tk.build();
    auto tc = schema_builder::struct_();
    tc.optional().name("event.collection").version(1);
    tc.field("data_collection", schemas::string());
    tc.field("event_count", schemas::int64());
    tx_collection = tc.build();
    auto tv = schema_builder::struct_();
    tv.name(n.schema_name("io.debezium.connector.common.TransactionMetadataValue")).version(1);
    tv.field("status", schemas::string());
    tv.field("id", schemas::string());
    tv.field("event_count", schemas::optional_int64());
    tv.field("data_collections", schema_builder::array(tx_collection).optional().build());
    tv.field("ts_ms", schemas::int64());
    tx_value = tv.build();

    auto mk = schema_builder::struct_();
    mk.name(n.schema_name("io.debezium.connector.postgresql.MessageKey")).version(1);
    mk.field("prefix", schemas::optional_string());
    message_key = mk.build();
    auto mb = schema_builder::struct_();
    mb.name(n.schema_name("io.debezium.connector.postgresql.Message")).version(1);
    mb.field("prefix", schemas::optional_string());
    mb.field("content", s.binary == binary_mode::bytes ? schemas::optional_bytes() : schemas::optional_string());
    message_block = mb.build();
    auto mv = schema_builder::struct_();
    mv.name(n.schema_name("io.debezium.connector.postgresql.MessageValue")).version(1);
    mv.field("op", schemas::string());
    mv.field("ts_ms", schemas::optional_int64());
    mv.field("source", source);
    mv.field("transaction", transaction_block);
    mv.field("message", message_block);
    message_value = mv.build();
}

// --- table schemas ------------------------------------------------------------------------------

std::shared_ptr<table_schema> build_table_schema(const settings& s, const value_mapper& mapper, const filters& f,
                                                 const schema_namer& n, const common_schemas& cs, uint32_t relid,
                                                 const std::string& schema, const std::string& table,
                                                 char replica_identity, std::vector<column_info> columns) {
    auto t = std::make_shared<table_schema>();
    t->relid = relid;
    t->schema_name = schema;
    t->table_name = table;
    t->id = schema + "." + table;
    t->topic = n.topic(schema, table);
    t->replica_identity = replica_identity;

    // message.key.columns overrides the primary key.
    auto custom_key = f.key_columns(schema, table);
    if (!custom_key.empty())
        for (auto& c : columns) {
            auto it = std::find(custom_key.begin(), custom_key.end(), c.name);
            c.key = it != custom_key.end();
            c.key_seq = c.key ? int(it - custom_key.begin()) + 1 : 0;
        }

    auto key = schema_builder::struct_();
    key.name(n.schema_name(t->topic + ".Key"));
    auto val = schema_builder::struct_();
    val.name(n.schema_name(t->topic + ".Value"));
    bool has_key = false;
    int key_fields = 0, value_fields = 0;
    t->conv.reserve(columns.size());
    t->value_field.assign(columns.size(), -1);
    t->key_field.assign(columns.size(), -1);
    t->mapping.resize(columns.size());
    std::vector<size_t> key_order;
    for (size_t i = 0; i < columns.size(); i++) {
        auto& c = columns[i];
        auto cc = mapper.make(c);
        // column rules apply to character columns only (MaskStrings, TruncateColumn)
        bool textual = cc.kind == conv::string && (c.type_oid == oid::text || c.type_oid == oid::varchar ||
                                                   c.type_oid == oid::bpchar || c.type_oid == oid::char_);
        if (textual) {
            std::string id = schema + "." + table + "." + c.name;
            for (auto& rule : s.column_rules) {
                bool match = false;
                for (auto& p : rule.patterns) {
                    auto r = config::regex::compile("(?i)" + p);
                    if (r && r->full_match(id)) match = true;
                }
                if (!match) continue;
                auto& m = t->mapping[i];
                if (rule.k == column_rule::mask) {
                    m.k = column_mapping::mask;
                    m.mask_value = std::string(size_t(rule.length), '*');
                } else if (rule.k == column_rule::hash) {
                    m.k = column_mapping::hash;
                    m.algorithm = rule.algorithm;
                    m.salt = rule.salt;
                    m.v2 = rule.v2;
                    m.length = c.typmod > 4 ? c.typmod - 4 : 0;
                } else {
                    m.k = column_mapping::truncate;
                    m.length = rule.length;
                }
            }
        }
        if (cc.kind != conv::drop && c.key) key_order.push_back(i);
        if (cc.kind != conv::drop && f.include_column(schema, table, c.name)) {
            schema_ptr fs = cc.schema;
            if (t->mapping[i].k == column_mapping::mask || t->mapping[i].k == column_mapping::hash) {
                auto b = schema_builder(fs->type());
                if (fs->optional()) b.optional();
                b.parameter("masked", "true");
                fs = b.build();
            }
            val.field(n.field_name(c.name), fs);
            t->value_field[i] = value_fields++;
        }
        t->conv.push_back(std::move(cc));
    }
    std::stable_sort(key_order.begin(), key_order.end(),
                     [&](size_t a, size_t b) { return columns[a].key_seq < columns[b].key_seq; });
    for (auto i : key_order) {
        key.field(n.field_name(columns[i].name), t->conv[i].schema);
        t->key_field[i] = key_fields++;
        has_key = true;
    }
    t->columns = std::move(columns);
    val.optional();
    t->value_schema = val.build();
    t->key_schema = has_key ? key.build() : nullptr;

    auto env = schema_builder::struct_();
    env.name(n.schema_name(t->topic + ".Envelope")).version(2);
    env.field("before", t->value_schema);
    env.field("after", t->value_schema);
    env.field("source", cs.source);
    env.field("transaction", cs.transaction_block);
    env.field("op", schemas::string());
    env.field("ts_ms", schemas::optional_int64());
    env.field("ts_us", schemas::optional_int64());
    env.field("ts_ns", schemas::optional_int64());
    t->envelope_schema = env.build();
    return t;
}

namespace {

// Java's ObjectOutputStream.writeObject(String), what Debezium's v1 hashing strategy digests:
// the stream header (magic AC ED, version 00 05), then TC_STRING (74) with a 2-byte length or, for
// more than 65,535 bytes, TC_LONGSTRING (7C) with an 8-byte one, then the string in Java's modified
// UTF-8: NUL as C0 80 and a character outside the BMP as its two UTF-16 surrogates, 3 bytes each.
std::string java_serialized_string(std::string_view s) {
    std::string mutf8;
    mutf8.reserve(s.size());
    for (size_t i = 0; i < s.size(); i++) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) {
            mutf8 += "\xC0\x80";
        } else if (c >= 0xF0 && i + 3 < s.size()) { // a 4-byte sequence (PostgreSQL text is valid UTF-8)
            uint32_t cp = (uint32_t(c & 0x07) << 18) | (uint32_t(s[i + 1] & 0x3F) << 12) |
                          (uint32_t(s[i + 2] & 0x3F) << 6) | uint32_t(s[i + 3] & 0x3F);
            cp -= 0x10000;
            for (uint32_t unit : {0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)}) {
                mutf8.push_back(char(0xE0 | (unit >> 12)));
                mutf8.push_back(char(0x80 | ((unit >> 6) & 0x3F)));
                mutf8.push_back(char(0x80 | (unit & 0x3F)));
            }
            i += 3;
        } else {
            mutf8.push_back(char(c));
        }
    }
    // std::string from a literal would stop at the first NUL: the header is built byte by byte.
    std::string out{'\xAC', '\xED', '\x00', '\x05'};
    uint64_t n = mutf8.size();
    if (n <= 0xFFFF) {
        out.push_back('\x74');
        out.push_back(char(n >> 8));
        out.push_back(char(n));
    } else {
        out.push_back('\x7C');
        for (int shift = 56; shift >= 0; shift -= 8) out.push_back(char(n >> shift));
    }
    return out + mutf8;
}

std::string digest_hex(const std::string& algorithm, std::string_view salt, std::string_view data) {
    std::string name = algorithm;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    std::erase(name, '-'); // Java's "SHA-256" is OpenSSL's "sha256"
    const EVP_MD* md = EVP_get_digestbyname(name.c_str());
    if (!md) throw config_error(fmt::format("Unknown hash algorithm '{}' in column.mask.hash", algorithm));
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, md, nullptr);
    EVP_DigestUpdate(ctx, salt.data(), salt.size());
    EVP_DigestUpdate(ctx, data.data(), data.size());
    EVP_DigestFinal_ex(ctx, out, &len);
    EVP_MD_CTX_free(ctx);
    static constexpr char d[] = "0123456789abcdef";
    std::string hex;
    for (unsigned i = 0; i < len; i++) {
        hex += d[out[i] >> 4];
        hex += d[out[i] & 15];
    }
    return hex;
}

} // namespace

value apply_mapping(const column_mapping& m, value v) {
    switch (m.k) {
    case column_mapping::none: return v;
    case column_mapping::mask: return value(m.mask_value);
    case column_mapping::truncate:
        if (v.type() == value::kind::string && int(v.as_string().size()) > m.length) {
            // truncate by characters, not bytes
            auto& s = v.as_string();
            size_t chars = 0, i = 0;
            while (i < s.size() && chars < size_t(m.length)) {
                unsigned char c = static_cast<unsigned char>(s[i]);
                i += c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
                chars++;
            }
            s.resize(std::min(i, s.size()));
        }
        return v;
    case column_mapping::hash: {
        if (v.type() != value::kind::string) return v;
        auto data = m.v2 ? v.as_string() : java_serialized_string(v.as_string());
        auto h = digest_hex(m.algorithm, m.salt, data);
        if (m.length > 0 && int(h.size()) > m.length) h.resize(size_t(m.length));
        return value(std::move(h));
    }
    }
    return v;
}

} // namespace ferry::plugins::postgres_cdc
