#pragma once
// Tiny big-endian writer/reader for the coordinators' journal values (private formats).

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::broker {

class bytes_writer {
public:
    bytes_writer& i8(int8_t v) {
        _s.push_back(static_cast<char>(v));
        return *this;
    }
    bytes_writer& i16(int16_t v) { return be(static_cast<uint16_t>(v), 2); }
    bytes_writer& i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
    bytes_writer& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
    bytes_writer& str(std::string_view s) {
        i32(static_cast<int32_t>(s.size()));
        _s.append(s);
        return *this;
    }
    std::string take() { return std::move(_s); }

private:
    bytes_writer& be(uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i)
            _s.push_back(static_cast<char>(v >> (8 * i)));
        return *this;
    }
    std::string _s;
};

class bytes_reader {
public:
    explicit bytes_reader(std::string_view s) : _s(s) {}
    bool ok() const { return _ok; }
    bool at_end() const { return _pos >= _s.size(); }
    int8_t i8() { return static_cast<int8_t>(be(1)); }
    int16_t i16() { return static_cast<int16_t>(be(2)); }
    int32_t i32() { return static_cast<int32_t>(be(4)); }
    int64_t i64() { return static_cast<int64_t>(be(8)); }
    std::string str() {
        int32_t n = i32();
        if (!_ok || n < 0 || _s.size() - _pos < static_cast<size_t>(n)) {
            _ok = false;
            return {};
        }
        std::string r(_s.substr(_pos, static_cast<size_t>(n)));
        _pos += static_cast<size_t>(n);
        return r;
    }

private:
    uint64_t be(int n) {
        if (_s.size() - _pos < static_cast<size_t>(n)) {
            _ok = false;
            _pos = _s.size();
            return 0;
        }
        uint64_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | static_cast<uint8_t>(_s[_pos + i]);
        _pos += static_cast<size_t>(n);
        return v;
    }
    std::string_view _s;
    size_t _pos = 0;
    bool _ok = true;
};

} // namespace ferry::broker
