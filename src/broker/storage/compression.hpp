#pragma once
// Record-batch compression codecs (attribute bits 0-2): gzip, snappy (Xerial framing as Java
// writes it, or raw blocks as librdkafka writes them), LZ4 frame and zstd frame.

#include "base/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::broker::storage {

enum class codec : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

const char* codec_name(codec c);
// "gzip", "snappy", "lz4", "zstd", "uncompressed"/"none" -> codec; nullopt-like failure as error.
result<codec> codec_from_name(std::string_view name);

// Appends the decompressed form of `in` to `out`. Fails (errc::invalid_argument) on corrupt
// input or when the output would exceed `max_out` bytes (a guard against decompression bombs).
result<> decompress(codec c, std::string_view in, std::string& out, size_t max_out);

// Appends the compressed form of `in` to `out`. For snappy, `snappy_xerial` selects the Java
// (Xerial) framing; raw blocks otherwise.
result<> compress(codec c, std::string_view in, std::string& out, bool snappy_xerial = true);

// True if the snappy payload uses Xerial framing (starts with "\x82SNAPPY\0").
bool snappy_is_xerial(std::string_view in);

} // namespace ferry::broker::storage
