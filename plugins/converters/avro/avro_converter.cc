#include "plugins/converters/avro/avro_converter.hpp"

#include "ferry/connect/errors.hpp"
#include "plugins/converters/avro/avro_data.hpp"
#include "plugins/converters/common/converter_type.hpp"
#include "schema_registry/client/client.hpp"

#include <fmt/format.h>

#include <unordered_map>

namespace ferry::avro_converter {

namespace sr = ferry::schema_registry;

namespace {

enum class naming { topic, record, topic_record };

std::optional<naming> parse_strategy(const std::string& cls) {
    auto simple = cls.substr(cls.rfind('.') == std::string::npos ? 0 : cls.rfind('.') + 1);
    if (simple == "TopicNameStrategy") return naming::topic;
    if (simple == "RecordNameStrategy") return naming::record;
    if (simple == "TopicRecordNameStrategy") return naming::topic_record;
    return std::nullopt;
}

const avro::node& record_of(const avro::node& n) {
    if (n.type == avro::type::union_) {
        int nb = n.null_branch();
        if (n.branches.size() == 2 && nb >= 0) return *n.branches[size_t(1 - nb)];
    }
    return n;
}

// Client failures: an unreachable registry is worth retrying; everything the registry answered
// (unknown id, incompatible schema, invalid schema) is about this data.
[[noreturn]] void throw_client(const error& e, const std::string& what) {
    if (e.kind == errc::unavailable || e.kind == errc::timeout) throw retriable_error(what + ": " + e.message);
    throw data_error(what + ": " + e.message);
}

} // namespace

struct avro_converter::impl {
    bool is_key = false;
    avro_data data;
    std::unique_ptr<sr::client> client;
    bool auto_register = true;
    bool use_latest = false;
    naming strategy = naming::topic;
    std::string strategy_class;
    size_t cache_size = 1000;

    struct write_entry {
        schema_ptr hold;
        std::string topic;
        int32_t id = 0;
        avro::schema_ptr writer;
    };
    std::unordered_map<const ferry::schema*, std::vector<write_entry>> write_cache;

    struct read_entry {
        avro::schema_ptr writer, reader;
        schema_ptr connect;
    };
    std::unordered_map<int32_t, read_entry> read_cache;

    std::string subject(std::string_view topic, const avro::node& root) const {
        const char* suffix = is_key ? "-key" : "-value";
        if (strategy == naming::topic) return fmt::format("{}{}", topic, suffix);
        const avro::node& r = record_of(root);
        if (!avro::is_named(r.type))
            throw data_error(
                fmt::format("In configuration {}.subject.name.strategy = {}, the message {} must only be a "
                            "record schema",
                            is_key ? "key" : "value", strategy_class, is_key ? "key" : "value"));
        if (strategy == naming::record) return r.full_name;
        return fmt::format("{}-{}", topic, r.full_name);
    }

    const write_entry& writer_for(std::string_view topic, const schema_ptr& s) {
        auto& slot = write_cache[s.get()];
        for (auto& e : slot)
            if (e.topic == topic) return e;
        if (write_cache.size() > cache_size) {
            write_cache.clear();
            return writer_for(topic, s);
        }
        write_entry e;
        e.hold = s;
        e.topic = std::string(topic);
        e.writer = data.from_connect(s);
        std::string subj = subject(topic, e.writer->root());
        // Confluent's serializer: auto-registration wins; use.latest.version matters only when it
        // is off (with both on, a record with a new field registers a new version instead of being
        // written - and silently cut down - with the older latest schema).
        if (auto_register) {
            auto id = client->register_schema(subj, e.writer->canonical());
            if (!id) throw_client(id.error(), fmt::format("Error registering Avro schema for subject {}", subj));
            e.id = *id;
        } else if (use_latest) {
            auto latest = client->latest(subj);
            if (!latest)
                throw_client(latest.error(), fmt::format("Error retrieving the latest schema of subject {}", subj));
            auto parsed = avro::schema::parse(latest->schema);
            if (!parsed)
                throw data_error(
                    fmt::format("Latest schema of subject {} is not valid Avro: {}", subj, parsed.error().message));
            e.id = latest->id;
            e.writer = *parsed;
        } else {
            auto found = client->lookup(subj, e.writer->canonical());
            if (!found)
                throw_client(found.error(), fmt::format("Error retrieving Avro schema id for subject {}", subj));
            e.id = found->id;
        }
        slot.push_back(std::move(e));
        return slot.back();
    }

    const read_entry& reader_for(std::string_view topic, int32_t id) {
        if (auto it = read_cache.find(id); it != read_cache.end()) return it->second;
        if (read_cache.size() >= cache_size) read_cache.clear();
        auto text = client->schema_by_id(id);
        if (!text) throw_client(text.error(), fmt::format("Error retrieving Avro schema for id {}", id));
        auto writer = avro::schema::parse(*text);
        if (!writer) throw data_error(fmt::format("Schema {} is not valid Avro: {}", id, writer.error().message));
        read_entry e;
        e.writer = *writer;
        e.reader = *writer;
        std::string subj = subject(topic, e.writer->root());
        std::optional<int32_t> version;
        if (use_latest) {
            auto latest = client->latest(subj);
            if (!latest)
                throw_client(latest.error(), fmt::format("Error retrieving the latest schema of subject {}", subj));
            if (auto parsed = avro::schema::parse(latest->schema); parsed) {
                e.reader = *parsed;
                version = latest->version;
            }
        } else if (auto found = client->lookup(subj, *text); found) {
            version = found->version; // Java gives the Connect schema the registry version
        }
        e.connect = data.to_connect(e.reader, version);
        return read_cache.emplace(id, std::move(e)).first->second;
    }
};

avro_converter::avro_converter() : _impl(std::make_unique<impl>()) {}
avro_converter::~avro_converter() = default;

const config::config_def& avro_converter::definition() {
    using namespace ferry::config;
    static const config_def d =
        config_def()
            .define(converters::converter_type_key())
            .define({.name = "schema.registry.url",
                     .type = config_type::list,
                     .def = no_default,
                     .imp = importance::high,
                     .doc = "Comma-separated list of URLs for Schema Registry instances that can be used to register "
                            "or look up schemas. If you wish to get a connection to a mocked schema registry for "
                            "testing, you can specify a scope using the 'mock://' pseudo-protocol."})
            .define({.name = "auto.register.schemas",
                     .type = config_type::boolean,
                     .def = "true",
                     .imp = importance::medium,
                     .doc = "Specify if the Serializer should attempt to register the Schema with Schema Registry"})
            .define({.name = "use.latest.version",
                     .type = config_type::boolean,
                     .def = "false",
                     .imp = importance::low,
                     .doc = "Specify if the Serializer should use the latest subject version for serialization"})
            .define({.name = "key.subject.name.strategy",
                     .type = config_type::class_,
                     .def = "io.confluent.kafka.serializers.subject.TopicNameStrategy",
                     .imp = importance::medium,
                     .doc = "Determines how to construct the subject name under which the key schema is registered "
                            "with the schema registry."})
            .define({.name = "value.subject.name.strategy",
                     .type = config_type::class_,
                     .def = "io.confluent.kafka.serializers.subject.TopicNameStrategy",
                     .imp = importance::medium,
                     .doc = "Determines how to construct the subject name under which the value schema is registered "
                            "with the schema registry."})
            .define({.name = "basic.auth.credentials.source",
                     .type = config_type::string,
                     .def = "URL",
                     .imp = importance::medium,
                     .doc = "Specify how to pick the credentials for Basic Auth header. The supported values are URL, "
                            "USER_INFO and SASL_INHERIT"})
            .define({.name = "basic.auth.user.info",
                     .type = config_type::password,
                     .def = "",
                     .imp = importance::medium,
                     .doc = "Specify the user info for Basic Auth in the form of {username}:{password}"})
            .define({.name = "connect.meta.data",
                     .type = config_type::boolean,
                     .def = "true",
                     .imp = importance::low,
                     .doc = "Allow the Connect converter to add its metadata to the output schema"})
            .define({.name = "enhanced.avro.schema.support",
                     .type = config_type::boolean,
                     .def = "false",
                     .imp = importance::medium,
                     .doc = "Enable enhanced schema support to preserve package information and Enums"})
            .define({.name = "scrub.invalid.names",
                     .type = config_type::boolean,
                     .def = "false",
                     .imp = importance::medium,
                     .doc = "Whether to scrub invalid names by replacing invalid characters with valid ones"})
            .define({.name = "schemas.cache.config",
                     .type = config_type::int_,
                     .def = "1000",
                     .imp = importance::low,
                     .doc = "Size of the converted schemas cache"})
            .define({.name = "ignore.default.for.nullables",
                     .type = config_type::boolean,
                     .def = "false",
                     .imp = importance::low,
                     .doc = "Whether to ignore the default for nullable fields when the value is null"})
            .define({.name = "latest.cache.ttl.sec",
                     .type = config_type::long_,
                     .def = "-1",
                     .imp = importance::low,
                     .doc = "TTL in seconds for caching the latest schema of a subject (-1: no expiry)"});
    return d;
}

void avro_converter::configure(const config::config_map& props, bool is_key) {
    auto p = converters::with_converter_type(props, is_key ? "key" : "value", true);
    auto v = definition().parse(p);
    auto& m = *_impl;
    m.is_key = is_key;
    m.auto_register = v.get_bool("auto.register.schemas");
    m.use_latest = v.get_bool("use.latest.version");
    m.strategy_class = v.get_string(is_key ? "key.subject.name.strategy" : "value.subject.name.strategy");
    auto st = parse_strategy(m.strategy_class);
    if (!st)
        throw config_error(fmt::format("Invalid value {} for configuration {}.subject.name.strategy: Ferry supports "
                                       "TopicNameStrategy, RecordNameStrategy and TopicRecordNameStrategy",
                                       m.strategy_class, is_key ? "key" : "value"));
    m.strategy = *st;
    m.cache_size = size_t(std::max(1, v.get_int("schemas.cache.config")));
    avro_data_config dc;
    dc.connect_meta_data = v.get_bool("connect.meta.data");
    dc.enhanced_avro_schema_support = v.get_bool("enhanced.avro.schema.support");
    dc.scrub_invalid_names = v.get_bool("scrub.invalid.names");
    dc.ignore_default_for_nullables = v.get_bool("ignore.default.for.nullables");
    dc.cache_size = m.cache_size;
    m.data = avro_data(dc);

    std::map<std::string, std::string> client_props;
    std::string urls;
    for (auto& u : v.get_list("schema.registry.url"))
        urls += (urls.empty() ? "" : ",") + u;
    client_props["schema.registry.url"] = urls;
    client_props["basic.auth.credentials.source"] = v.get_string("basic.auth.credentials.source");
    if (auto pw = v.get_password("basic.auth.user.info"); pw && !pw->secret.empty())
        client_props["basic.auth.user.info"] = pw->secret;
    if (auto it = p.find("schema.registry.basic.auth.user.info");
        it != p.end() && !client_props.count("basic.auth.user.info"))
        client_props["basic.auth.user.info"] = it->second;
    if (auto ttl = v.get_long("latest.cache.ttl.sec"); ttl >= 0)
        client_props["latest.cache.ttl.sec"] = std::to_string(ttl);
    auto cc = sr::client_config_from(client_props);
    if (!cc) throw config_error(cc.error().message);
    cc->cache_capacity = m.cache_size;
    m.client = std::make_unique<sr::client>(std::move(*cc));
    m.write_cache.clear();
    m.read_cache.clear();
}

bool avro_converter::from_connect(std::string_view topic, ferry::headers&, const schema_ptr& schema, const value& v,
                                  std::string& out) {
    out.clear();
    if (v.is_null()) {
        if (schema && !schema->optional() && !schema->default_value())
            throw data_error(
                fmt::format("Failed to serialize Avro data from topic {}: found null value for non-optional "
                            "schema",
                            topic));
        return false;
    }
    auto& m = *_impl;
    try {
        const auto& e = m.writer_for(topic, schema);
        out.push_back(0);
        uint32_t id = uint32_t(e.id);
        char be[4] = {char(id >> 24), char(id >> 16), char(id >> 8), char(id)};
        out.append(be, 4);
        m.data.encode(e.writer->root(), schema, v, out);
    } catch (const retriable_error&) {
        throw;
    } catch (const data_error& e) {
        throw data_error(fmt::format("Failed to serialize Avro data from topic {}: {}", topic, e.what()));
    } catch (const std::bad_variant_access&) {
        throw data_error(
            fmt::format("Failed to serialize Avro data from topic {}: value does not match its schema", topic));
    }
    return true;
}

schema_and_value avro_converter::to_connect(std::string_view topic, const ferry::headers&, nullable_bytes data) {
    if (!data) return {nullptr, value()};
    auto bytes = *data;
    if (bytes.size() < 5 || bytes[0] != 0)
        throw data_error(fmt::format("Failed to deserialize data for topic {} to Avro: Unknown magic byte!", topic));
    auto u = [&](size_t i) { return uint32_t(uint8_t(bytes[i])); };
    int32_t id = int32_t((u(1) << 24) | (u(2) << 16) | (u(3) << 8) | u(4));
    auto& m = *_impl;
    try {
        const auto& e = m.reader_for(topic, id);
        const char* p = bytes.data() + 5;
        value v = m.data.decode(e.writer->root(), e.reader->root(), e.connect, p, bytes.data() + bytes.size());
        return {e.connect, std::move(v)};
    } catch (const retriable_error&) {
        throw;
    } catch (const data_error& e) {
        throw data_error(
            fmt::format("Failed to deserialize data for topic {} to Avro (schema id {}): {}", topic, id, e.what()));
    }
}

std::string avro_converter::avro_schema_text(const schema_ptr& s) {
    return _impl->data.from_connect(s)->canonical();
}

} // namespace ferry::avro_converter
