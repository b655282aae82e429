#include "kafka/group/connect_protocol.hpp"

#include <cstring>

namespace ferry::kafka::group {

namespace {

class writer {
public:
    void i16(int16_t v) { u(uint16_t(v), 2); }
    void i32(int32_t v) { u(uint32_t(v), 4); }
    void i64(int64_t v) { u(uint64_t(v), 8); }
    void str(std::string_view s) {
        i16(int16_t(s.size()));
        out.append(s);
    }
    std::string out;

private:
    void u(uint64_t v, int n) {
        for (int i = n - 1; i >= 0; i--) out.push_back(char(v >> (8 * i)));
    }
};

class reader {
public:
    explicit reader(std::string_view d) : _d(d) {}
    bool ok() const { return _ok; }
    int16_t i16() { return int16_t(u(2)); }
    int32_t i32() { return int32_t(u(4)); }
    int64_t i64() { return int64_t(u(8)); }
    std::string str() {
        int16_t n = i16();
        if (n < 0 || !need(size_t(n))) return {};
        std::string s(_d.substr(_pos, size_t(n)));
        _pos += size_t(n);
        return s;
    }
    std::optional<std::string_view> nbytes() {
        int32_t n = i32();
        if (n < 0) return std::nullopt;
        if (!need(size_t(n))) return std::string_view();
        auto v = _d.substr(_pos, size_t(n));
        _pos += size_t(n);
        return v;
    }
    bool at_end() const { return _pos >= _d.size(); }

private:
    bool need(size_t n) {
        if (_pos + n > _d.size()) _ok = false;
        return _ok;
    }
    uint64_t u(int n) {
        if (!need(size_t(n))) return 0;
        uint64_t v = 0;
        for (int i = 0; i < n; i++) v = v << 8 | uint8_t(_d[_pos + size_t(i)]);
        _pos += size_t(n);
        return v;
    }
    std::string_view _d;
    size_t _pos = 0;
    bool _ok = true;
};

// [{connector, [tasks...]}] with -1 standing for the connector instance.
void write_work(writer& w, const work_set& ws) {
    std::map<std::string, std::vector<int32_t>> by_connector;
    for (auto& c : ws.connectors) by_connector[c].push_back(-1);
    for (auto& t : ws.tasks) by_connector[t.connector].push_back(t.task);
    w.i32(int32_t(by_connector.size()));
    for (auto& [c, tasks] : by_connector) {
        w.str(c);
        w.i32(int32_t(tasks.size()));
        for (auto t : tasks) w.i32(t);
    }
}

std::optional<work_set> read_work(reader& r) {
    int32_t n = r.i32();
    if (n < 0) return std::nullopt;
    work_set ws;
    for (int32_t i = 0; i < n && r.ok(); i++) {
        auto c = r.str();
        int32_t m = r.i32();
        for (int32_t j = 0; j < m && r.ok(); j++) {
            int32_t t = r.i32();
            if (t == -1) ws.connectors.insert(c);
            else ws.tasks.insert({c, t});
        }
    }
    return ws;
}

} // namespace

std::string encode_metadata(const connect_metadata& m) {
    writer w;
    w.i16(m.version);
    w.str(m.url);
    w.i64(m.config_offset);
    if (m.version >= 1) {
        if (!m.allocation) {
            w.i32(-1);
        } else {
            connect_assignment a;
            a.version = m.version;
            a.assigned = *m.allocation;
            auto bytes = encode_assignment(a);
            w.i32(int32_t(bytes.size()));
            w.out += bytes;
        }
    }
    return w.out;
}

result<connect_metadata> decode_metadata(std::string_view bytes) {
    reader r(bytes);
    connect_metadata m;
    m.version = r.i16();
    m.url = r.str();
    m.config_offset = r.i64();
    if (m.version >= 1 && !r.at_end()) {
        auto alloc = r.nbytes();
        if (alloc && !alloc->empty()) {
            auto a = decode_assignment(*alloc);
            if (!a) return fail(a.error());
            m.allocation = a->assigned;
        }
    }
    if (!r.ok()) return fail(errc::invalid_argument, "malformed Connect member metadata");
    return m;
}

std::string encode_assignment(const connect_assignment& a) {
    writer w;
    w.i16(a.version);
    w.i16(a.error);
    w.str(a.leader);
    w.str(a.leader_url);
    w.i64(a.config_offset);
    write_work(w, a.assigned);
    if (a.version >= 1) {
        write_work(w, a.revoked);
        w.i32(a.delay);
    }
    return w.out;
}

result<connect_assignment> decode_assignment(std::string_view bytes) {
    reader r(bytes);
    connect_assignment a;
    a.version = r.i16();
    a.error = r.i16();
    a.leader = r.str();
    a.leader_url = r.str();
    a.config_offset = r.i64();
    if (auto ws = read_work(r)) a.assigned = *ws;
    if (a.version >= 1 && !r.at_end()) {
        if (auto ws = read_work(r)) a.revoked = *ws;
        a.delay = r.i32();
    }
    if (!r.ok()) return fail(errc::invalid_argument, "malformed Connect assignment");
    return a;
}

std::optional<int16_t> protocol_version(std::string_view name) {
    if (name == "default") return 0;
    if (name == "compatible") return 1;
    if (name == "sessioned") return 2;
    return std::nullopt;
}

const char* protocol_name(int16_t version) {
    switch (version) {
    case 0: return "default";
    case 1: return "compatible";
    default: return "sessioned";
    }
}

} // namespace ferry::kafka::group
