#pragma once
// Kafka wire encoding, both directions from one description.
//
// Every message in messages.hpp has a single `template <class S> void serde(S& s)` member that lists
// its fields in wire order with their version gates. `decoder` and `encoder` implement the same
// member functions (i16(x), str(x), array(v, fn), ...), so that one function both parses and
// writes a message; the two directions can never disagree about the layout. The serialiser knows
// the message version (`s.v`) and whether it is a flexible version (KIP-482: compact lengths and
// tagged-field sections), so message code only states "which fields exist in which version".
//
// Conventions:
// - `array(vec, fn)` is for arrays of structs: in flexible versions each element ends with a
//   tagged-field section, which the serialiser adds (encode: empty) or skips (decode).
// - `array_i32`, `array_str` ... are arrays of primitives (no per-element tags).
// - `tags()` ends the top-level struct (the body's own tagged-field section).
// - Nullable strings/bytes/arrays use std::optional; `records` keeps null and empty apart.
//
// The decoder works in place on a mutable frame buffer: `records` fields become views into it, so
// a produced batch is handed to storage without a copy. Decoding never throws; on malformed input
// it stops, `ok()` turns false, and the connection is closed by the caller.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::broker::proto {

// The `records` field of Produce requests and Fetch responses: RecordBatches back to back.
// Decoding yields a view into the frame; encoding writes either the view or `owned` (moved into
// the output without copying when large).
struct records_field {
    bool is_null = true;
    char* data = nullptr;
    size_t size = 0;
    std::string owned;

    void set_owned(std::string s) {
        owned = std::move(s);
        is_null = false;
        data = nullptr;
        size = 0;
    }
    size_t length() const { return owned.empty() ? size : owned.size(); }
    std::string_view view() const { return owned.empty() ? std::string_view(data, size) : std::string_view(owned); }
};

using uuid = std::array<uint8_t, 16>;

// An output made of chunks, so that large record blocks are moved instead of copied. The first
// chunk starts with the 4-byte frame size, patched by finish_frame().
class out_buffer {
public:
    static constexpr size_t splice_threshold = 32 * 1024;

    out_buffer() { _chunks.emplace_back(); }

    std::string& cur() { return _chunks.back(); }
    void append(const char* p, size_t n) {
        _chunks.back().append(p, n);
        _size += n;
    }
    void push_back(char c) {
        _chunks.back().push_back(c);
        ++_size;
    }
    void splice(std::string&& s) {
        if (s.size() < splice_threshold) {
            append(s.data(), s.size());
            return;
        }
        _size += s.size();
        _chunks.back().shrink_to_fit();
        _chunks.push_back(std::move(s));
        _chunks.emplace_back();
    }
    size_t size() const { return _size; }
    // Overwrites 4 bytes at absolute position `pos` of the first chunk.
    void patch_i32(size_t pos, int32_t v) {
        uint32_t u = static_cast<uint32_t>(v);
        char b[4] = {char(u >> 24), char(u >> 16), char(u >> 8), char(u)};
        std::memcpy(_chunks.front().data() + pos, b, 4);
    }
    std::vector<std::string>& chunks() { return _chunks; }
    // Everything as one string (tests, small responses).
    std::string flatten() const {
        std::string s;
        s.reserve(_size);
        for (auto& c : _chunks)
            s += c;
        return s;
    }

private:
    std::vector<std::string> _chunks;
    size_t _size = 0;
};

class decoder {
public:
    decoder(char* p, size_t n, int16_t version, bool flexible) : v(version), flex(flexible), _p(p), _end(p + n) {}

    const int16_t v;
    const bool flex;

    bool ok() const { return _ok; }
    size_t remaining() const { return static_cast<size_t>(_end - _p); }
    char* position() const { return _p; }
    void fail() {
        _ok = false;
        _p = _end;
    }

    void i8(int8_t& x) { x = static_cast<int8_t>(get_u<uint8_t>()); }
    void i16(int16_t& x) { x = static_cast<int16_t>(get_u<uint16_t>()); }
    void i32(int32_t& x) { x = static_cast<int32_t>(get_u<uint32_t>()); }
    void i64(int64_t& x) { x = static_cast<int64_t>(get_u<uint64_t>()); }
    void boolean(bool& x) { x = get_u<uint8_t>() != 0; }
    void uuid_(uuid& x) {
        if (!need(16)) return;
        std::memcpy(x.data(), _p, 16);
        _p += 16;
    }

    void str(std::string& s) {
        int64_t n = string_length();
        if (n < 0) {
            s.clear();
            return;
        } // null where not allowed: treated as empty
        take(s, n);
    }
    void nstr(std::optional<std::string>& s) {
        int64_t n = string_length();
        if (n < 0) {
            s.reset();
            return;
        }
        s.emplace();
        take(*s, n);
    }
    void bytes(std::string& b) {
        int64_t n = bytes_length();
        if (n < 0) {
            b.clear();
            return;
        }
        take(b, n);
    }
    void nbytes(std::optional<std::string>& b) {
        int64_t n = bytes_length();
        if (n < 0) {
            b.reset();
            return;
        }
        b.emplace();
        take(*b, n);
    }
    void records(records_field& r) {
        int64_t n = bytes_length();
        r.owned.clear();
        if (n < 0) {
            r.is_null = true;
            r.data = nullptr;
            r.size = 0;
            return;
        }
        if (!need(static_cast<size_t>(n))) return;
        r.is_null = false;
        r.data = _p;
        r.size = static_cast<size_t>(n);
        _p += n;
    }

    template <class T, class F> void array(std::vector<T>& vec, F&& fn) {
        int64_t n = array_length();
        vec.clear();
        if (n <= 0) return;
        vec.resize(static_cast<size_t>(n));
        for (auto& e : vec) {
            fn(e);
            if (flex) tags();
            if (!_ok) return;
        }
    }
    template <class T, class F> void narray(std::optional<std::vector<T>>& vec, F&& fn) {
        int64_t n = array_length();
        if (n < 0) {
            vec.reset();
            return;
        }
        vec.emplace();
        vec->resize(static_cast<size_t>(n));
        for (auto& e : *vec) {
            fn(e);
            if (flex) tags();
            if (!_ok) return;
        }
    }
    void array_i32(std::vector<int32_t>& vec) {
        prim_array(vec, [&](int32_t& x) { i32(x); });
    }
    void array_i64(std::vector<int64_t>& vec) {
        prim_array(vec, [&](int64_t& x) { i64(x); });
    }
    void array_str(std::vector<std::string>& vec) {
        prim_array(vec, [&](std::string& x) { str(x); });
    }
    void narray_str(std::optional<std::vector<std::string>>& vec) {
        int64_t n = array_length();
        if (n < 0) {
            vec.reset();
            return;
        }
        vec.emplace();
        vec->resize(static_cast<size_t>(n));
        for (auto& e : *vec)
            str(e);
    }
    void narray_i32(std::optional<std::vector<int32_t>>& vec) {
        int64_t n = array_length();
        if (n < 0) {
            vec.reset();
            return;
        }
        vec.emplace();
        vec->resize(static_cast<size_t>(n));
        for (auto& e : *vec)
            i32(e);
    }

    // A tagged-field section: unknown tags are skipped (none of the request fields we serve are
    // tagged in the advertised versions).
    void tags() {
        if (!flex) return;
        uint64_t count = uvarint();
        for (uint64_t i = 0; i < count && _ok; ++i) {
            (void)uvarint(); // tag
            uint64_t size = uvarint();
            if (!need(size)) return;
            _p += size;
        }
    }

    uint64_t uvarint() {
        uint64_t r = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (_p >= _end) {
                fail();
                return 0;
            }
            uint8_t b = static_cast<uint8_t>(*_p++);
            r |= static_cast<uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) return r;
        }
        fail();
        return 0;
    }

private:
    bool need(size_t n) {
        if (static_cast<size_t>(_end - _p) < n) {
            fail();
            return false;
        }
        return true;
    }
    template <class U> U get_u() {
        if (!need(sizeof(U))) return 0;
        U x = 0;
        for (size_t i = 0; i < sizeof(U); ++i)
            x = static_cast<U>((x << 8) | static_cast<uint8_t>(_p[i]));
        _p += sizeof(U);
        return x;
    }
    int64_t string_length() {
        if (flex) return static_cast<int64_t>(uvarint()) - 1;
        return static_cast<int16_t>(get_u<uint16_t>());
    }
    int64_t bytes_length() {
        if (flex) return static_cast<int64_t>(uvarint()) - 1;
        return static_cast<int32_t>(get_u<uint32_t>());
    }
    // Counts above the remaining bytes are malformed (every element takes at least one byte);
    // checking here keeps a hostile count from allocating gigabytes.
    int64_t array_length() {
        int64_t n = flex ? static_cast<int64_t>(uvarint()) - 1 : static_cast<int32_t>(get_u<uint32_t>());
        if (n > static_cast<int64_t>(remaining())) {
            fail();
            return -1;
        }
        return n;
    }
    void take(std::string& s, int64_t n) {
        if (!need(static_cast<size_t>(n))) return;
        s.assign(_p, static_cast<size_t>(n));
        _p += n;
    }
    template <class T, class F> void prim_array(std::vector<T>& vec, F&& fn) {
        int64_t n = array_length();
        vec.clear();
        if (n <= 0) return;
        vec.resize(static_cast<size_t>(n));
        for (auto& e : vec)
            fn(e);
    }

    char* _p;
    char* _end;
    bool _ok = true;
};

class encoder {
public:
    encoder(out_buffer& out, int16_t version, bool flexible) : v(version), flex(flexible), _out(out) {}

    const int16_t v;
    const bool flex;

    bool ok() const { return true; }

    void i8(const int8_t& x) { put_u<uint8_t>(static_cast<uint8_t>(x)); }
    void i16(const int16_t& x) { put_u<uint16_t>(static_cast<uint16_t>(x)); }
    void i32(const int32_t& x) { put_u<uint32_t>(static_cast<uint32_t>(x)); }
    void i64(const int64_t& x) { put_u<uint64_t>(static_cast<uint64_t>(x)); }
    void boolean(const bool& x) { put_u<uint8_t>(x ? 1 : 0); }
    void uuid_(const uuid& x) { _out.append(reinterpret_cast<const char*>(x.data()), 16); }

    void str(const std::string& s) {
        string_length(static_cast<int64_t>(s.size()));
        _out.append(s.data(), s.size());
    }
    void nstr(const std::optional<std::string>& s) {
        if (!s) {
            string_length(-1);
            return;
        }
        str(*s);
    }
    void bytes(const std::string& b) {
        bytes_length(static_cast<int64_t>(b.size()));
        _out.append(b.data(), b.size());
    }
    void nbytes(const std::optional<std::string>& b) {
        if (!b) {
            bytes_length(-1);
            return;
        }
        bytes(*b);
    }
    void records(records_field& r) {
        if (r.is_null) {
            bytes_length(-1);
            return;
        }
        if (!r.owned.empty()) {
            bytes_length(static_cast<int64_t>(r.owned.size()));
            _out.splice(std::move(r.owned));
            r.owned.clear();
            return;
        }
        bytes_length(static_cast<int64_t>(r.size));
        _out.append(r.data, r.size);
    }

    template <class T, class F> void array(std::vector<T>& vec, F&& fn) {
        array_length(static_cast<int64_t>(vec.size()));
        for (auto& e : vec) {
            fn(e);
            if (flex) tags();
        }
    }
    template <class T, class F> void narray(std::optional<std::vector<T>>& vec, F&& fn) {
        if (!vec) {
            array_length(-1);
            return;
        }
        array(*vec, fn);
    }
    void array_i32(const std::vector<int32_t>& vec) {
        array_length(static_cast<int64_t>(vec.size()));
        for (auto x : vec)
            i32(x);
    }
    void array_i64(const std::vector<int64_t>& vec) {
        array_length(static_cast<int64_t>(vec.size()));
        for (auto x : vec)
            i64(x);
    }
    void array_str(const std::vector<std::string>& vec) {
        array_length(static_cast<int64_t>(vec.size()));
        for (auto& x : vec)
            str(x);
    }
    void narray_str(const std::optional<std::vector<std::string>>& vec) {
        if (!vec) {
            array_length(-1);
            return;
        }
        array_str(*vec);
    }
    void narray_i32(const std::optional<std::vector<int32_t>>& vec) {
        if (!vec) {
            array_length(-1);
            return;
        }
        array_i32(*vec);
    }
    void tags() {
        if (flex) _out.push_back(0);
    }

    void uvarint(uint64_t x) {
        char b[10];
        int n = 0;
        while (x >= 0x80) {
            b[n++] = static_cast<char>((x & 0x7f) | 0x80);
            x >>= 7;
        }
        b[n++] = static_cast<char>(x);
        _out.append(b, n);
    }

private:
    template <class U> void put_u(U x) {
        char b[sizeof(U)];
        for (size_t i = 0; i < sizeof(U); ++i)
            b[i] = static_cast<char>(x >> (8 * (sizeof(U) - 1 - i)));
        _out.append(b, sizeof(U));
    }
    void string_length(int64_t n) {
        if (flex)
            uvarint(static_cast<uint64_t>(n + 1));
        else
            i16(static_cast<int16_t>(n));
    }
    void bytes_length(int64_t n) {
        if (flex)
            uvarint(static_cast<uint64_t>(n + 1));
        else
            i32(static_cast<int32_t>(n));
    }
    void array_length(int64_t n) { bytes_length(n); }

    out_buffer& _out;
};

} // namespace ferry::broker::proto
