#pragma once
// io.debezium.transforms.ExtractNewRecordState: unwraps a Debezium change event envelope (a value
// schema named "*.Envelope") to its `after` row, as the current Debezium release does.
//
//   delete.tombstone.handling.mode (tombstone): what deletes and Debezium's tombstones become -
//     drop: both dropped; tombstone: a delete becomes a null value under the row schema, the
//     tombstone is dropped; rewrite: a delete becomes its `before` row plus __deleted="true" (and
//     every other row gets __deleted="false"), tombstones dropped; rewrite-with-tombstone: rewrite
//     and keep tombstones; delete-to-tombstone: a delete becomes a real tombstone (null schema and
//     value), Debezium's own tombstone is dropped.
//   drop.tombstones / delete.handling.mode: the keys Debezium removed in 3.2, still honoured when
//     delete.tombstone.handling.mode is not set (their defaults true/drop then apply).
//   add.fields / add.headers (+ .prefix, default "__"): envelope fields (op, ts_ms, ts_us, ts_ns),
//     transaction fields (id, total_order, data_collection_order) and source fields (the rest, or
//     "struct.field" explicitly) copied as value fields / headers named prefix+field or
//     prefix+struct_field ("source.ts_ms" -> "__source_ts_ms"); "field:NAME" renames.
//   route.by.field: the topic becomes that field of the row (`before` for deletes).
//   drop.fields.header.name (+ drop.fields.from.key, drop.fields.keep.schema.compatible): fields
//     listed in that header are removed from the value (and key).
//   replace.null.with.default (true).
// Records without an envelope (heartbeats, schema changes, transaction metadata) pass unchanged;
// truncate events are dropped.

#include "plugins/transforms/common/transform_util.hpp"
#include "plugins/transforms/extract_field/extract_field.hpp"
#include "plugins/transforms/insert_field/insert_field.hpp"

#include "ferry/transform/transformation.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::transforms {

class extract_new_record_state final : public transformation {
public:
    enum class mode { drop, tombstone, rewrite, rewrite_with_tombstone, delete_to_tombstone };
    enum class legacy_delete { none, drop, rewrite };

    extract_new_record_state();
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

    // One entry of add.fields / add.headers (Debezium's FieldReference).
    struct field_reference {
        std::optional<std::string> parent; // "source", "transaction", ... or none for envelope fields
        std::string field;
        std::string new_field;
        // The (optional) schema of the referenced field, or nullptr when the envelope lacks it.
        schema_ptr schema_in(const schema& envelope) const;
        value value_in(const struct_value& envelope) const;
    };

private:
    bool handle_tombstone(connect_record& r);
    bool handle_delete(connect_record& r);
    void add_fields(const struct_value& envelope, connect_record& r);
    void drop_fields(connect_record& r);
    void route(connect_record& r, const struct_value& row);
    bool rewrite_mode() const;

    std::vector<field_reference> _fields, _headers;
    std::string _route_by_field;
    bool _legacy = false;
    mode _mode = mode::tombstone;
    bool _legacy_drop_tombstones = true;
    legacy_delete _legacy_delete = legacy_delete::drop;
    bool _replace_null_with_default = true;
    std::optional<std::string> _drop_fields_header;
    bool _drop_fields_from_key = false;
    bool _drop_fields_keep_schema_compatible = true;

    extract_field _after{side::value}, _before{side::value};
    insert_field _deleted_true{side::value}, _deleted_false{side::value};
    std::map<std::string, schema_cache, std::less<>> _cache; // by the envelope's op
    // Per envelope schema: the schema of each add.fields / add.headers reference (nullptr when
    // the envelope lacks it), so records do not build schemas.
    schema_keyed_cache<std::vector<schema_ptr>> _field_schemas, _header_schemas;
};

} // namespace ferry::transforms
