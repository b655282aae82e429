#include "pgoutput.hpp"

#include <cstring>

namespace ferry::plugins::postgres_cdc::pgoutput {

namespace {

// A bounds-checked big-endian reader over one message. Every read reports failure instead of
// reading past the end; callers check `ok` once at the end of a message (reads after a failure
// return zeros and empty views, so no branch is needed per field).
class reader {
public:
    explicit reader(std::string_view d) : _p(reinterpret_cast<const uint8_t*>(d.data())), _end(_p + d.size()) {}

    bool ok() const { return _ok; }
    size_t remaining() const { return size_t(_end - _p); }

    uint8_t u8() {
        if (!need(1)) return 0;
        return *_p++;
    }
    uint16_t u16() {
        if (!need(2)) return 0;
        uint16_t v = uint16_t(_p[0] << 8 | _p[1]);
        _p += 2;
        return v;
    }
    uint32_t u32() {
        if (!need(4)) return 0;
        uint32_t v = uint32_t(_p[0]) << 24 | uint32_t(_p[1]) << 16 | uint32_t(_p[2]) << 8 | uint32_t(_p[3]);
        _p += 4;
        return v;
    }
    uint64_t u64() {
        uint64_t hi = u32();
        return hi << 32 | u32();
    }
    std::string_view cstring() {
        if (!_ok) return {};
        const void* nul = std::memchr(_p, 0, remaining());
        if (!nul) {
            _ok = false;
            return {};
        }
        auto n = size_t(static_cast<const uint8_t*>(nul) - _p);
        std::string_view s(reinterpret_cast<const char*>(_p), n);
        _p += n + 1;
        return s;
    }
    std::string_view bytes(size_t n) {
        if (!need(n)) return {};
        std::string_view s(reinterpret_cast<const char*>(_p), n);
        _p += n;
        return s;
    }

private:
    bool need(size_t n) {
        if (!_ok || remaining() < n) {
            _ok = false;
            return false;
        }
        return true;
    }
    const uint8_t* _p;
    const uint8_t* _end;
    bool _ok = true;
};

// TupleData into `cols` (reused); the number of columns read goes to `n`. False on malformed input.
bool read_tuple(reader& r, std::vector<tuple_column>& cols, std::span<const tuple_column>& out) {
    uint16_t n = r.u16();
    if (!r.ok()) return false;
    // Each column takes at least one byte: reject counts the buffer cannot hold before growing.
    if (n > r.remaining()) return false;
    if (cols.size() < n) cols.resize(n);
    for (uint16_t i = 0; i < n; i++) {
        char kind = char(r.u8());
        auto& c = cols[i];
        c.kind = kind;
        c.data = {};
        switch (kind) {
        case 'n':
        case 'u':
            break;
        case 't':
        case 'b': {
            uint32_t len = r.u32();
            c.data = r.bytes(len);
            break;
        }
        default:
            return false;
        }
        if (!r.ok()) return false;
    }
    out = std::span<const tuple_column>(cols.data(), n);
    return true;
}

} // namespace

const char* decoder::decode(std::string_view data, message& out) {
    if (data.empty()) return "empty pgoutput message";
    reader r(data);
    char type = char(r.u8());
    out.type = msg(type);
    out.old_kind = 0;
    out.old_tuple = {};
    out.new_tuple = {};
    switch (type) {
    case 'B':
        out.final_lsn = r.u64();
        out.commit_time = int64_t(r.u64());
        out.xid = r.u32();
        return r.ok() ? nullptr : "truncated Begin message";
    case 'C':
        out.flags = r.u8();
        out.commit_lsn = r.u64();
        out.end_lsn = r.u64();
        out.commit_time = int64_t(r.u64());
        return r.ok() ? nullptr : "truncated Commit message";
    case 'O':
        out.origin_lsn = r.u64();
        out.origin_name = r.cstring();
        return r.ok() ? nullptr : "truncated Origin message";
    case 'R': {
        out.relation_oid = r.u32();
        out.nspname = r.cstring();
        out.relname = r.cstring();
        out.replica_identity = char(r.u8());
        uint16_t n = r.u16();
        if (!r.ok() || n > r.remaining()) return "truncated Relation message";
        if (_columns.size() < n) _columns.resize(n);
        for (uint16_t i = 0; i < n; i++) {
            auto& c = _columns[i];
            c.flags = r.u8();
            c.name = r.cstring();
            c.type_oid = r.u32();
            c.typmod = int32_t(r.u32());
        }
        if (!r.ok()) return "truncated Relation message";
        out.columns = std::span<const relation_column>(_columns.data(), n);
        return nullptr;
    }
    case 'Y':
        out.type_oid = r.u32();
        out.type_nspname = r.cstring();
        out.type_name = r.cstring();
        return r.ok() ? nullptr : "truncated Type message";
    case 'I':
        out.relation_oid = r.u32();
        if (char(r.u8()) != 'N' || !r.ok()) return "malformed Insert message";
        if (!read_tuple(r, _new, out.new_tuple)) return "malformed tuple in Insert message";
        return nullptr;
    case 'U': {
        out.relation_oid = r.u32();
        char t = char(r.u8());
        if (!r.ok()) return "truncated Update message";
        if (t == 'K' || t == 'O') {
            out.old_kind = t;
            if (!read_tuple(r, _old, out.old_tuple)) return "malformed old tuple in Update message";
            t = char(r.u8());
        }
        if (t != 'N' || !r.ok()) return "malformed Update message";
        if (!read_tuple(r, _new, out.new_tuple)) return "malformed tuple in Update message";
        return nullptr;
    }
    case 'D': {
        out.relation_oid = r.u32();
        char t = char(r.u8());
        if (!r.ok() || (t != 'K' && t != 'O')) return "malformed Delete message";
        out.old_kind = t;
        if (!read_tuple(r, _old, out.old_tuple)) return "malformed tuple in Delete message";
        return nullptr;
    }
    case 'T': {
        uint32_t n = r.u32();
        out.truncate_options = r.u8();
        if (!r.ok() || n > r.remaining() / 4) return "truncated Truncate message";
        if (_relations.size() < n) _relations.resize(n);
        for (uint32_t i = 0; i < n; i++) _relations[i] = r.u32();
        if (!r.ok()) return "truncated Truncate message";
        out.relations = std::span<const uint32_t>(_relations.data(), n);
        return nullptr;
    }
    case 'M': {
        out.transactional = (r.u8() & 1) != 0;
        out.message_lsn = r.u64();
        out.prefix = r.cstring();
        uint32_t len = r.u32();
        out.content = r.bytes(len);
        return r.ok() ? nullptr : "truncated Message message";
    }
    default:
        return "unknown pgoutput message type (only protocol version 1 without streaming is supported)";
    }
}

bool parse_xlog_data(std::string_view frame, xlog_data& out) {
    reader r(frame);
    if (char(r.u8()) != 'w') return false;
    out.wal_start = r.u64();
    out.wal_end = r.u64();
    out.send_time = int64_t(r.u64());
    if (!r.ok()) return false;
    out.payload = frame.substr(25);
    return true;
}

bool parse_keepalive(std::string_view frame, keepalive& out) {
    reader r(frame);
    if (char(r.u8()) != 'k') return false;
    out.wal_end = r.u64();
    out.send_time = int64_t(r.u64());
    out.reply_requested = r.u8() != 0;
    return r.ok();
}

namespace {
void put64(char* p, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        p[i] = char(v & 0xff);
        v >>= 8;
    }
}
} // namespace

void encode_status_update(char (&out)[status_update_size], lsn_t written, lsn_t flushed, lsn_t applied,
                          int64_t now_pg_us, bool reply_requested) {
    out[0] = 'r';
    put64(out + 1, written);
    put64(out + 9, flushed);
    put64(out + 17, applied);
    put64(out + 25, uint64_t(now_pg_us));
    out[33] = reply_requested ? 1 : 0;
}

} // namespace ferry::plugins::postgres_cdc::pgoutput
