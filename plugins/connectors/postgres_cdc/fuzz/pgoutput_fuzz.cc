// libFuzzer target: the pgoutput decoder and the replication frame parsers, then every decoded
// text column through the value parsers of a range of types. Invariants: no crash, no read outside
// the input (ASan), decoded views lie inside the input, parsers fail only with data_error.

#include "../pg_types.hpp"
#include "../pgoutput.hpp"

#include "ferry/connect/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

using namespace ferry::plugins::postgres_cdc;

namespace {

struct converters {
    settings s;
    type_registry types;
    value_mapper mapper{s, types};
    std::vector<column_converter> all;
    converters() {
        types.add({oid::int4, "int4", "pg_catalog", 'b', 'N'});
        types.add({oid::text, "text", "pg_catalog", 'b', 'S'});
        types.add({1007, "_int4", "pg_catalog", 'b', 'A', oid::int4});
        types.add({1009, "_text", "pg_catalog", 'b', 'A', oid::text});
        types.add({50003, "hstore", "public", 'b', 'U'});
        const uint32_t oids[] = {oid::bool_, oid::int2, oid::int4, oid::int8, oid::float4, oid::float8, oid::numeric,
                                 oid::money, oid::bytea, oid::date, oid::time, oid::timetz, oid::timestamp,
                                 oid::timestamptz, oid::interval, oid::point, oid::box, oid::path, oid::polygon,
                                 oid::circle, oid::line, oid::bit, oid::varbit, 1007, 1009, 50003};
        for (auto o : oids) {
            column_info c;
            c.name = "c";
            c.type_oid = o;
            all.push_back(mapper.make(c));
        }
        column_info n;
        n.type_oid = oid::numeric;
        n.typmod = ((10 << 16) | 2) + 4;
        all.push_back(mapper.make(n));
        n.type_oid = oid::bit;
        n.typmod = 12;
        all.push_back(mapper.make(n));
    }
};

void inside(std::string_view v, std::string_view in) {
    if (v.empty()) return;
    if (v.data() < in.data() || v.data() + v.size() > in.data() + in.size()) __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static converters conv;
    static pgoutput::decoder d;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    pgoutput::message m;
    if (d.decode(in, m) == nullptr) {
        for (auto& c : m.new_tuple) inside(c.data, in);
        for (auto& c : m.old_tuple) inside(c.data, in);
        for (auto& c : m.columns) inside(c.name, in);
        inside(m.nspname, in);
        inside(m.relname, in);
        inside(m.prefix, in);
        inside(m.content, in);
        for (auto* t : {&m.new_tuple, &m.old_tuple})
            for (auto& c : *t) {
                if (c.kind != 't') continue;
                for (auto& cc : conv.all) {
                    try {
                        (void)conv.mapper.convert(cc, c.data);
                    } catch (const ferry::data_error&) {
                    }
                }
            }
    }
    pgoutput::xlog_data x;
    if (pgoutput::parse_xlog_data(in, x)) inside(x.payload, in);
    pgoutput::keepalive k;
    (void)pgoutput::parse_keepalive(in, k);
    return 0;
}
