#include "broker/storage/compression.hpp"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>

namespace ferry::broker::storage {
namespace {

constexpr char xerial_magic[8] = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
constexpr size_t xerial_header = 16;   // magic, version i32, compatible version i32
constexpr size_t xerial_block = 32768; // what snappy-java writes per block

uint32_t be32(const char* p) {
    return (uint32_t(uint8_t(p[0])) << 24) | (uint32_t(uint8_t(p[1])) << 16) | (uint32_t(uint8_t(p[2])) << 8) |
           uint32_t(uint8_t(p[3]));
}
void put_be32(std::string& out, uint32_t v) {
    char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.append(b, 4);
}

result<> too_big(codec c, size_t max_out) {
    return fail(errc::invalid_argument, "INVALID_RECORD: {} payload decompresses to more than {} bytes", codec_name(c),
                max_out);
}

result<> gunzip(std::string_view in, std::string& out, size_t max_out) {
    z_stream zs{};
    // 15 + 32: accept gzip and zlib headers alike.
    if (inflateInit2(&zs, 15 + 32) != Z_OK) return fail(errc::internal, "inflateInit2 failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    size_t start = out.size();
    int rc = Z_OK;
    while (true) {
        size_t have = out.size();
        size_t grow = std::max<size_t>(in.size() * 3, 16384);
        if (have - start + grow > max_out) grow = max_out - (have - start) + 1;
        out.resize(have + grow);
        zs.next_out = reinterpret_cast<Bytef*>(out.data() + have);
        zs.avail_out = static_cast<uInt>(grow);
        rc = inflate(&zs, Z_NO_FLUSH);
        out.resize(out.size() - zs.avail_out);
        if (rc == Z_STREAM_END) {
            // Concatenated gzip members are legal; continue if input remains.
            if (zs.avail_in > 0) {
                inflateReset(&zs);
                continue;
            }
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) break;
        if (out.size() - start > max_out) {
            inflateEnd(&zs);
            return too_big(codec::gzip, max_out);
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) break; // truncated input
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) return fail(errc::invalid_argument, "CORRUPT_MESSAGE: invalid gzip payload (zlib {})", rc);
    return {};
}

result<> gzip(std::string_view in, std::string& out) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return fail(errc::internal, "deflateInit2 failed");
    size_t bound = deflateBound(&zs, in.size()) + 32;
    size_t have = out.size();
    out.resize(have + bound);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + have);
    zs.avail_out = static_cast<uInt>(bound);
    int rc = deflate(&zs, Z_FINISH);
    out.resize(have + (bound - zs.avail_out));
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) return fail(errc::internal, "gzip compression failed ({})", rc);
    return {};
}

result<> snappy_raw_block(std::string_view in, std::string& out, size_t max_out, size_t produced) {
    size_t len = 0;
    if (!snappy::GetUncompressedLength(in.data(), in.size(), &len))
        return fail(errc::invalid_argument, "CORRUPT_MESSAGE: invalid snappy block");
    if (produced + len > max_out) return too_big(codec::snappy, max_out);
    size_t have = out.size();
    out.resize(have + len);
    if (!snappy::RawUncompress(in.data(), in.size(), out.data() + have))
        return fail(errc::invalid_argument, "CORRUPT_MESSAGE: invalid snappy block");
    return {};
}

result<> unsnappy(std::string_view in, std::string& out, size_t max_out) {
    if (!snappy_is_xerial(in)) return snappy_raw_block(in, out, max_out, 0);
    size_t start = out.size();
    size_t p = xerial_header;
    while (p < in.size()) {
        if (in.size() - p < 4) return fail(errc::invalid_argument, "CORRUPT_MESSAGE: truncated xerial snappy block");
        uint32_t n = be32(in.data() + p);
        p += 4;
        if (n > in.size() - p) return fail(errc::invalid_argument, "CORRUPT_MESSAGE: truncated xerial snappy block");
        auto r = snappy_raw_block(in.substr(p, n), out, max_out, out.size() - start);
        if (!r) return r;
        p += n;
    }
    return {};
}

result<> snappy_compress(std::string_view in, std::string& out, bool xerial) {
    if (!xerial) {
        size_t have = out.size();
        out.resize(have + snappy::MaxCompressedLength(in.size()));
        size_t n = 0;
        snappy::RawCompress(in.data(), in.size(), out.data() + have, &n);
        out.resize(have + n);
        return {};
    }
    out.append(xerial_magic, 8);
    put_be32(out, 1); // version
    put_be32(out, 1); // minimum compatible version
    for (size_t p = 0; p < in.size(); p += xerial_block) {
        size_t len = std::min(xerial_block, in.size() - p);
        size_t at = out.size();
        put_be32(out, 0);
        out.resize(at + 4 + snappy::MaxCompressedLength(len));
        size_t n = 0;
        snappy::RawCompress(in.data() + p, len, out.data() + at + 4, &n);
        out.resize(at + 4 + n);
        char b[4] = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
        std::memcpy(out.data() + at, b, 4);
    }
    return {};
}

result<> unlz4(std::string_view in, std::string& out, size_t max_out) {
    LZ4F_dctx* ctx = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)))
        return fail(errc::internal, "LZ4F_createDecompressionContext failed");
    std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> guard(ctx, LZ4F_freeDecompressionContext);
    size_t start = out.size();
    const char* src = in.data();
    size_t left = in.size();
    size_t hint = 1;
    while (left > 0) {
        size_t have = out.size();
        size_t grow = std::max<size_t>(65536, left * 2);
        if (have - start + grow > max_out + 1) grow = max_out + 1 - (have - start);
        if (grow == 0) return too_big(codec::lz4, max_out);
        out.resize(have + grow);
        size_t dst_size = grow, src_size = left;
        hint = LZ4F_decompress(ctx, out.data() + have, &dst_size, src, &src_size, nullptr);
        out.resize(have + dst_size);
        if (LZ4F_isError(hint))
            return fail(errc::invalid_argument, "CORRUPT_MESSAGE: invalid lz4 payload ({})", LZ4F_getErrorName(hint));
        if (out.size() - start > max_out) return too_big(codec::lz4, max_out);
        src += src_size;
        left -= src_size;
        if (hint == 0) break; // frame complete
        if (src_size == 0 && dst_size == 0) break;
    }
    if (hint != 0) return fail(errc::invalid_argument, "CORRUPT_MESSAGE: truncated lz4 frame");
    return {};
}

result<> lz4_compress(std::string_view in, std::string& out) {
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    size_t bound = LZ4F_compressFrameBound(in.size(), &prefs);
    size_t have = out.size();
    out.resize(have + bound);
    size_t n = LZ4F_compressFrame(out.data() + have, bound, in.data(), in.size(), &prefs);
    if (LZ4F_isError(n)) {
        out.resize(have);
        return fail(errc::internal, "lz4 compression failed: {}", LZ4F_getErrorName(n));
    }
    out.resize(have + n);
    return {};
}

result<> unzstd(std::string_view in, std::string& out, size_t max_out) {
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    if (!ctx) return fail(errc::internal, "ZSTD_createDCtx failed");
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    size_t start = out.size();
    size_t rc = 1;
    while (true) {
        size_t have = out.size();
        size_t grow = std::max<size_t>(ZSTD_DStreamOutSize(), in.size() * 3);
        if (have - start + grow > max_out + 1) grow = max_out + 1 - (have - start);
        if (grow == 0) return too_big(codec::zstd, max_out);
        out.resize(have + grow);
        ZSTD_outBuffer ob{out.data() + have, grow, 0};
        rc = ZSTD_decompressStream(ctx.get(), &ob, &ib);
        out.resize(have + ob.pos);
        if (ZSTD_isError(rc))
            return fail(errc::invalid_argument, "CORRUPT_MESSAGE: invalid zstd payload ({})", ZSTD_getErrorName(rc));
        if (out.size() - start > max_out) return too_big(codec::zstd, max_out);
        if (rc == 0 && ib.pos == ib.size) break;       // all frames done
        if (ib.pos == ib.size && ob.pos < grow) break; // input exhausted mid-frame
    }
    if (rc != 0) return fail(errc::invalid_argument, "CORRUPT_MESSAGE: truncated zstd frame");
    return {};
}

result<> zstd_compress(std::string_view in, std::string& out) {
    size_t bound = ZSTD_compressBound(in.size());
    size_t have = out.size();
    out.resize(have + bound);
    size_t n = ZSTD_compress(out.data() + have, bound, in.data(), in.size(), 3);
    if (ZSTD_isError(n)) {
        out.resize(have);
        return fail(errc::internal, "zstd compression failed: {}", ZSTD_getErrorName(n));
    }
    out.resize(have + n);
    return {};
}

} // namespace

const char* codec_name(codec c) {
    switch (c) {
    case codec::none:
        return "uncompressed";
    case codec::gzip:
        return "gzip";
    case codec::snappy:
        return "snappy";
    case codec::lz4:
        return "lz4";
    case codec::zstd:
        return "zstd";
    }
    return "unknown";
}

result<codec> codec_from_name(std::string_view name) {
    if (name == "uncompressed" || name == "none") return codec::none;
    if (name == "gzip") return codec::gzip;
    if (name == "snappy") return codec::snappy;
    if (name == "lz4") return codec::lz4;
    if (name == "zstd") return codec::zstd;
    return fail(errc::invalid_argument, "unknown compression codec '{}'", name);
}

bool snappy_is_xerial(std::string_view in) {
    return in.size() >= xerial_header && std::memcmp(in.data(), xerial_magic, 8) == 0;
}

result<> decompress(codec c, std::string_view in, std::string& out, size_t max_out) {
    switch (c) {
    case codec::none:
        if (in.size() > max_out) return too_big(c, max_out);
        out.append(in);
        return {};
    case codec::gzip:
        return gunzip(in, out, max_out);
    case codec::snappy:
        return unsnappy(in, out, max_out);
    case codec::lz4:
        return unlz4(in, out, max_out);
    case codec::zstd:
        return unzstd(in, out, max_out);
    }
    return fail(errc::invalid_argument, "UNSUPPORTED_COMPRESSION_TYPE: codec {}", int(c));
}

result<> compress(codec c, std::string_view in, std::string& out, bool snappy_xerial) {
    switch (c) {
    case codec::none:
        out.append(in);
        return {};
    case codec::gzip:
        return gzip(in, out);
    case codec::snappy:
        return snappy_compress(in, out, snappy_xerial);
    case codec::lz4:
        return lz4_compress(in, out);
    case codec::zstd:
        return zstd_compress(in, out);
    }
    return fail(errc::invalid_argument, "UNSUPPORTED_COMPRESSION_TYPE: codec {}", int(c));
}

} // namespace ferry::broker::storage
