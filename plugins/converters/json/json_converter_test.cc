// Behaviour of JsonConverter that golden files cannot show: caches, configuration, reuse of one
// instance across records. The byte-level cases live in tests/golden/json.

#include "plugins/converters/json/json_converter.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferry::json {
namespace {

using ::testing::HasSubstr;

std::string write(json_converter& c, const schema_ptr& s, const value& v) {
    ferry::headers h;
    std::string out;
    c.from_connect("topic", h, s, v, out);
    return out;
}

schema_and_value read(json_converter& c, std::string_view bytes) {
    ferry::headers h;
    return c.to_connect("topic", h, bytes);
}

TEST(json_converter, to_connect_schema_cache_is_keyed_by_schema_text) {
    json_converter c;
    c.configure({}, false);
    EXPECT_EQ(c.to_connect_schema_cache_size(), 0u);
    read(c, R"({ "schema": { "type": "boolean" }, "payload": true })");
    EXPECT_EQ(c.to_connect_schema_cache_size(), 1u);
    read(c, R"({ "schema": { "type": "boolean" }, "payload": true })");
    EXPECT_EQ(c.to_connect_schema_cache_size(), 1u);
    read(c, R"({ "schema": { "type": "boolean", "optional": true }, "payload": true })");
    EXPECT_EQ(c.to_connect_schema_cache_size(), 2u);
    // An equivalent schema written differently is another entry, as in Java.
    read(c, R"({ "schema": { "type": "boolean", "optional": false }, "payload": true })");
    EXPECT_EQ(c.to_connect_schema_cache_size(), 3u);
}

TEST(json_converter, from_connect_schema_cache_is_keyed_by_structure) {
    json_converter c;
    c.configure({}, false);
    EXPECT_EQ(c.from_connect_schema_cache_size(), 0u);
    write(c, schema_builder::boolean().build(), value(true));
    EXPECT_EQ(c.from_connect_schema_cache_size(), 1u);
    write(c, schema_builder::boolean().build(), value(true)); // another object, same schema
    EXPECT_EQ(c.from_connect_schema_cache_size(), 1u);
    write(c, schema_builder::boolean().optional().build(), value(true));
    EXPECT_EQ(c.from_connect_schema_cache_size(), 2u);
}

TEST(json_converter, a_nested_struct_shared_between_records_is_written_right_every_time) {
    // The converter remembers the JSON of the last shared nested struct (a CDC source block):
    // every record must still read exactly as if written from scratch, whichever struct it holds.
    json_converter c;
    c.configure({{"schemas.enable", "false"}}, false);
    auto src_schema = schema_builder::struct_().name("Source").field("table", schemas::string()).build();
    auto env = schema_builder::struct_().name("Envelope").field("id", schemas::int32()).field("source", src_schema).build();
    auto source = [&](const char* table) {
        auto s = make_struct(src_schema);
        s->put("table", value(table));
        return s;
    };
    auto row = [&](int32_t id, const struct_ptr& src) {
        auto e = make_struct(env);
        e->put("id", value(id));
        e->put("source", value(src));
        return value(e);
    };
    auto orders = source("orders"), users = source("users");
    EXPECT_EQ(write(c, env, row(1, orders)), R"({"id":1,"source":{"table":"orders"}})");
    EXPECT_EQ(write(c, env, row(2, orders)), R"({"id":2,"source":{"table":"orders"}})");
    EXPECT_EQ(write(c, env, row(3, users)), R"({"id":3,"source":{"table":"users"}})");
    EXPECT_EQ(write(c, env, row(4, orders)), R"({"id":4,"source":{"table":"orders"}})");
    // A new struct object with other content, after the remembered one is gone.
    orders.reset();
    EXPECT_EQ(write(c, env, row(5, source("orders-2"))), R"({"id":5,"source":{"table":"orders-2"}})");
    // The same struct object under a schema it does not match still fails.
    auto other_env = schema_builder::struct_().field("id", schemas::int32()).field("source",
        schema_builder::struct_().name("Other").field("table", schemas::string()).build()).build();
    write(c, env, row(6, users));
    auto bad = make_struct(other_env);
    bad->put_unchecked(0, value(int32_t(7)));
    bad->put_unchecked(1, value(users));
    ferry::headers h;
    std::string out;
    EXPECT_THROW(c.from_connect("topic", h, other_env, value(bad), out), data_error);
}

TEST(json_converter, many_struct_schemas_in_one_record_keep_their_own_field_names) {
    // Field keys are rendered once per struct schema into a small direct-mapped table; 40 nested
    // schemas in one record collide in it (also with their parent's entry while the parent is
    // being written), and every struct must still be written with its own keys and types.
    json_converter c;
    c.configure({{"schemas.enable", "false"}, {"decimal.format", "NUMERIC"}}, false);
    std::vector<schema_ptr> inner;
    auto outer_b = schema_builder::struct_().name("Outer");
    for (int i = 0; i < 40; i++) {
        // As many fields as the parent: a child that takes the parent's entry while the parent is
        // written would otherwise go unnoticed in the parent's remaining keys.
        auto b = schema_builder::struct_().name("Inner" + std::to_string(i)).field("k" + std::to_string(i), schemas::int32());
        for (int j = 0; j < 40; j++) b.field("p" + std::to_string(i) + "_" + std::to_string(j), schemas::int16());
        // Every fourth inner struct has a Decimal field (written as a number, from its bytes), the
        // others a plain int32 in the same position: mixing up the two fails or writes base64.
        if (i % 4 == 0) b.field("when", logical::decimal_schema(0));
        else b.field("when", schemas::int32());
        inner.push_back(b.build());
        outer_b.field("f" + std::to_string(i), inner.back());
    }
    auto outer = outer_b.build();
    for (int round = 0; round < 2; round++) {
        auto o = make_struct(outer);
        std::string expected = "{";
        for (int i = 0; i < 40; i++) {
            auto in = make_struct(inner[i]);
            in->put("k" + std::to_string(i), value(int32_t(i * 10 + round)));
            std::string pad;
            for (int j = 0; j < 40; j++) {
                in->put("p" + std::to_string(i) + "_" + std::to_string(j), value(int16_t(j)));
                pad += ",\"p" + std::to_string(i) + "_" + std::to_string(j) + "\":" + std::to_string(j);
            }
            in->put("when", i % 4 == 0 ? value::bytes(logical::decimal_from_int64(i)) : value(int32_t(i)));
            o->put("f" + std::to_string(i), value(in));
            expected += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":{\"k" + std::to_string(i) + "\":" +
                        std::to_string(i * 10 + round) + pad + ",\"when\":" + std::to_string(i) + "}";
        }
        expected += "}";
        EXPECT_EQ(write(c, outer, value(o)), expected);
    }
}

TEST(json_converter, caches_are_lru_and_bounded) {
    json_converter c;
    c.configure({{"schemas.cache.size", "2"}}, false);
    std::vector<schema_ptr> s = {schemas::optional_int8(), schemas::optional_int16(), schemas::optional_int32()};
    for (const auto& x : s) write(c, x, value());
    EXPECT_EQ(c.from_connect_schema_cache_size(), 2u);
    EXPECT_EQ(write(c, schemas::optional_int8(), value()), R"({"schema":{"type":"int8","optional":true},"payload":null})");
    for (auto text : {R"({"schema":{"type":"int8"},"payload":1})", R"({"schema":{"type":"int16"},"payload":1})",
                      R"({"schema":{"type":"int32"},"payload":1})", R"({"schema":{"type":"int8"},"payload":1})"}) {
        auto r = read(c, text);
        ASSERT_TRUE(r.schema);
        EXPECT_EQ(r.val.to_int64(), 1);
    }
    EXPECT_EQ(c.to_connect_schema_cache_size(), 2u);
}

TEST(json_converter, cache_size_zero_disables_caching) {
    json_converter c;
    c.configure({{"schemas.cache.size", "0"}}, false);
    auto s = schema_builder::struct_().field("a", schemas::int32()).build();
    auto st = make_struct(s);
    st->put("a", value(int32_t(1)));
    std::string bytes = write(c, s, value(st));
    EXPECT_EQ(bytes, R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"}],"optional":false},"payload":{"a":1}})");
    for (int i = 0; i < 3; ++i) {
        auto r = read(c, bytes);
        EXPECT_TRUE(schema_equals(r.schema, s));
        EXPECT_EQ(r.val, value(st));
    }
    EXPECT_EQ(c.from_connect_schema_cache_size(), 0u);
    EXPECT_EQ(c.to_connect_schema_cache_size(), 0u);
}

TEST(json_converter, one_instance_reads_a_stream_of_mixed_records) {
    // The fast path recognises the previous schema's text; records with another schema, other
    // spacing or a null schema must still read correctly in any order.
    json_converter c;
    c.configure({}, false);
    auto a = schema_builder::struct_().name("A").field("x", schemas::int64()).build();
    auto b = schema_builder::struct_().name("B").field("y", schemas::string()).build();
    auto va = make_struct(a);
    va->put("x", value(int64_t(7)));
    auto vb = make_struct(b);
    vb->put("y", value("why"));
    std::string ba = write(c, a, value(va));
    std::string bb = write(c, b, value(vb));
    std::string spaced = R"({ "schema": {"type":"struct","name":"A","fields":[{"type":"int64","field":"x"}]}, "payload": {"x": 7} })";
    std::string null_schema = R"({"schema":null,"payload":{"k":[1,2]}})";
    for (int round = 0; round < 3; ++round) {
        for (const std::string* bytes : {&ba, &ba, &bb, &spaced, &ba, &null_schema, &bb, &bb}) {
            auto r = read(c, *bytes);
            if (bytes == &bb) {
                EXPECT_EQ(r.val, value(vb));
            } else if (bytes == &null_schema) {
                EXPECT_EQ(r.schema, nullptr);
                EXPECT_EQ(r.val, value(value::map_type{{value("k"), value(value::array_type{value(int64_t(1)), value(int64_t(2))})}}));
            } else {
                EXPECT_EQ(r.val, value(va));
                EXPECT_TRUE(schema_equals(r.schema, a));
            }
        }
    }
    // A known schema followed by another member is still an error.
    std::string extra = ba.substr(0, ba.size() - 1) + R"(,"x":1})";
    EXPECT_THROW(read(c, extra), data_error);
}

TEST(json_converter, schema_json_round_trips) {
    json_converter c;
    c.configure({{"decimal.format", "NUMERIC"}}, false);
    auto inner = schema_builder::struct_().name("Inner").field("d", logical::decimal_schema(3, true)).build();
    auto s = schema_builder::struct_()
                 .name("Outer")
                 .version(4)
                 .doc("doc \"quoted\"")
                 .parameter("p", "v")
                 .field("m", schema_builder::map(schemas::int32(), schema_builder::array(inner).build()).optional().build())
                 .field("t", schema_builder(logical::timestamp_builder()).optional().default_value(value(int64_t(5))).build())
                 .field("dec", logical::decimal_builder(2).default_value(value::bytes(logical::decimal_from_int64(-5))).build())
                 .build();
    std::string text = c.schema_to_json(s);
    EXPECT_THAT(text, HasSubstr(R"("default":-0.05)"));
    schema_ptr back = c.schema_from_json(text);
    EXPECT_TRUE(schema_equals(back, s));
    EXPECT_EQ(c.schema_to_json(back), text);
    EXPECT_EQ(c.schema_to_json(nullptr), "null");
    EXPECT_EQ(c.schema_from_json(" null "), nullptr);
}

TEST(json_converter, configuration) {
    json_converter c;
    EXPECT_THROW(c.configure({{"decimal.format", "HEX"}}, false), config_error);
    EXPECT_THROW(c.configure({{"schemas.cache.size", "many"}}, false), config_error);
    EXPECT_THROW(c.configure({{"schemas.enable", "yes"}}, false), config_error);
    EXPECT_NO_THROW(c.configure({{"schemas.enable", "FALSE"}}, true));
    EXPECT_EQ(write(c, schemas::int32(), value(int32_t(3))), "3");
    // As a header converter, configure() without converter.type is fine.
    json_converter h;
    EXPECT_NO_THROW(h.configure(config::config_map{}));
    std::string out;
    EXPECT_TRUE(h.from_connect_header("t", "k", schemas::string(), value("v"), out));
    EXPECT_EQ(out, R"({"schema":{"type":"string","optional":false},"payload":"v"})");
    EXPECT_EQ(h.to_connect_header("t", "k", std::string_view(out)).val, value("v"));
    const auto& def = c.config();
    for (auto key : {"converter.type", "schemas.enable", "schemas.cache.size", "decimal.format", "replace.null.with.default"})
        EXPECT_NE(def.find(key), nullptr) << key;
    EXPECT_EQ(def.find("schemas.cache.size")->def.raw, "1000");
}

TEST(json_converter, struct_needs_its_schema) {
    json_converter c;
    c.configure({}, false);
    auto s = schema_builder::struct_().field("a", schemas::int32()).build();
    auto st = make_struct(s);
    st->put("a", value(int32_t(1)));
    ferry::headers h;
    std::string out = "x";
    try {
        c.from_connect("t", h, nullptr, value(st), out);
        ADD_FAILURE() << "expected a data_error";
    } catch (const data_error& e) {
        EXPECT_STREQ(e.what(), "Mismatching schema.");
    }
    EXPECT_TRUE(out.empty()); // nothing half-written is left behind
    auto other = schema_builder::struct_().field("b", schemas::int32()).build();
    EXPECT_THROW(c.from_connect("t", h, other, value(st), out), data_error);
}

TEST(json_converter, a_token_starting_with_n_is_null_only_when_it_is_null) {
    // simdjson tells a value's type from its first character; "nonsense" must not read as null
    // (a sink would take the record for a tombstone) but fail as Jackson's unrecognised token does.
    json_converter plain, enveloped;
    plain.configure({{"schemas.enable", "false"}}, false);
    enveloped.configure({}, false);
    for (std::string_view bad : {"notjson", "nul", "nulls", "[1, nope]", R"({"a": nan})", R"({"a": {"b": no}})"})
        EXPECT_THROW(read(plain, bad), data_error) << bad;
    for (std::string_view bad : {R"({"schema":{"type":"string","optional":true},"payload":nonsense})",
                                 R"({"schema":null,"payload":nul})",
                                 R"({"schema":{"type":"struct","fields":[{"type":"string","optional":true,"field":"s"}],"optional":false},"payload":{"s":nonsense}})",
                                 R"({"schema":{"type":"array","items":{"type":"int32","optional":true},"optional":false},"payload":[1,nix]})",
                                 R"({"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"},"optional":false},"payload":[[1,2],nah]})",
                                 R"({"schema":nope,"payload":1})"})
        EXPECT_THROW(read(enveloped, bad), data_error) << bad;
    try {
        read(plain, "notjson");
    } catch (const data_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("Converting byte[] to Kafka Connect data failed due to serialization error"));
    }
    // The real literal still reads as null, at the top and inside.
    EXPECT_TRUE(read(plain, "null").val.is_null());
    EXPECT_TRUE(read(plain, " null ").val.is_null());
    EXPECT_EQ(read(plain, R"({"a": null})").val.as_map().at(0).second, value());
    EXPECT_TRUE(read(enveloped, R"({"schema":{"type":"string","optional":true},"payload":null})").val.is_null());
    EXPECT_TRUE(read(enveloped, R"({"schema":null,"payload":null})").val.is_null());
    auto r = read(enveloped,
                  R"({"schema":{"type":"struct","fields":[{"type":"string","optional":true,"field":"s"}],"optional":false},"payload":{"s":null}})");
    EXPECT_TRUE(r.val.as_struct()->get("s").is_null());
}

TEST(json_converter, decimal_bytes_read_are_minimal) {
    json_converter c;
    c.configure({}, false);
    auto r = read(c, R"({"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AACc"})");
    EXPECT_EQ(r.val, value::bytes(logical::decimal_from_int64(156)));
}

TEST(json_converter, repeated_keys_keep_the_last_value_in_large_maps) {
    json_converter c;
    c.configure({{"schemas.enable", "false"}}, false);
    std::string obj = "{";
    for (int i = 0; i < 200; ++i) obj += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    obj += "\"k5\":-5,\"k150\":-150}";
    auto r = read(c, obj);
    ASSERT_EQ(r.val.as_map().size(), 200u);
    EXPECT_EQ(*r.val.map_get("k5"), value(int64_t(-5)));
    EXPECT_EQ(*r.val.map_get("k150"), value(int64_t(-150)));
    EXPECT_EQ(r.val.as_map()[5].first, value("k5")); // the first position is kept
    json_converter p;
    p.configure({}, false);
    std::string pairs = R"({"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":[)";
    for (int i = 0; i < 100; ++i) pairs += "[" + std::to_string(i) + "," + std::to_string(i) + "],";
    pairs += "[7,70],[99,990]]}";
    r = read(p, pairs);
    ASSERT_EQ(r.val.as_map().size(), 100u);
    EXPECT_EQ(r.val.as_map()[7].second, value(int32_t(70)));
    EXPECT_EQ(r.val.as_map()[99].second, value(int32_t(990)));
}

TEST(json_converter, large_and_deep_values) {
    json_converter c;
    c.configure({{"schemas.enable", "false"}}, false);
    std::string big = "[";
    for (int i = 0; i < 10000; ++i) big += (i ? "," : "") + std::to_string(i);
    big += "]";
    auto r = read(c, big);
    ASSERT_EQ(r.val.as_array().size(), 10000u);
    EXPECT_EQ(r.val.as_array()[9999], value(int64_t(9999)));
    std::string deep(200, '[');
    deep += std::string(200, ']');
    EXPECT_NO_THROW(read(c, deep));
    std::string s(100000, 'x');
    ferry::headers h;
    std::string out;
    c.from_connect("t", h, schemas::string(), value(s), out);
    EXPECT_EQ(out.size(), s.size() + 2);
    EXPECT_EQ(read(c, out).val, value(s));
}

} // namespace
} // namespace ferry::json
