#include "broker/storage/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace ferry::broker::storage {
namespace {

constexpr uint32_t poly = 0x82F63B78u;

struct tables {
    std::array<std::array<uint32_t, 256>, 8> t{};
    constexpr tables() {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
            t[0][i] = c;
        }
        for (uint32_t i = 0; i < 256; ++i)
            for (int s = 1; s < 8; ++s)
                t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
};

constexpr tables tbl{};

#if defined(__x86_64__)
// Three independent streams hide the crc32 instruction's 3-cycle latency; the partial CRCs are
// merged by shifting with the table-free "multiply by x^n" below. For short inputs a single
// stream is just as fast.
__attribute__((target("sse4.2"))) uint32_t crc_hw_single(uint32_t crc, const unsigned char* p, size_t n) {
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = static_cast<uint32_t>(c);
    while (n--)
        c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}

// GF(2) helpers to combine CRCs of concatenated blocks (zlib's crc32_combine idea, for this poly).
uint32_t gf2_times(const uint32_t* mat, uint32_t vec) {
    uint32_t sum = 0;
    for (int i = 0; vec; vec >>= 1, ++i)
        if (vec & 1) sum ^= mat[i];
    return sum;
}

void gf2_square(uint32_t* square, const uint32_t* mat) {
    for (int n = 0; n < 32; n++)
        square[n] = gf2_times(mat, mat[n]);
}

// Operator that advances a CRC register over `len` zero bytes (len a multiple of 8 here).
struct shift_op {
    uint32_t m[32];
};

shift_op make_shift(size_t len) {
    uint32_t odd[32], even[32];
    odd[0] = poly;
    uint32_t row = 1;
    for (int n = 1; n < 32; n++) {
        odd[n] = row;
        row <<= 1;
    }
    gf2_square(even, odd); // 2 zero bits
    gf2_square(odd, even); // 4 zero bits
    // result starts as identity
    shift_op r{};
    for (int n = 0; n < 32; n++)
        r.m[n] = 1u << n;
    do {
        gf2_square(even, odd);
        if (len & 1) {
            uint32_t t[32];
            for (int n = 0; n < 32; n++)
                t[n] = gf2_times(even, r.m[n]);
            std::memcpy(r.m, t, sizeof t);
        }
        len >>= 1;
        if (len == 0) break;
        gf2_square(odd, even);
        if (len & 1) {
            uint32_t t[32];
            for (int n = 0; n < 32; n++)
                t[n] = gf2_times(odd, r.m[n]);
            std::memcpy(r.m, t, sizeof t);
        }
        len >>= 1;
    } while (len != 0);
    return r;
}

constexpr size_t stripe = 4096; // bytes per stream per round

const shift_op& shift_stripe() {
    static const shift_op op = make_shift(stripe);
    return op;
}

// Byte-wise lookup tables of the shift operator make the merge 4 table reads instead of 32 steps.
struct shift_tables {
    uint32_t t[4][256];
};

const shift_tables& stripe_tables() {
    static const shift_tables st = [] {
        shift_tables s{};
        const auto& op = shift_stripe();
        for (int b = 0; b < 4; ++b)
            for (uint32_t v = 0; v < 256; ++v)
                s.t[b][v] = gf2_times(op.m, v << (8 * b));
        return s;
    }();
    return st;
}

inline uint32_t shift(uint32_t crc) {
    const auto& s = stripe_tables();
    return s.t[0][crc & 0xFF] ^ s.t[1][(crc >> 8) & 0xFF] ^ s.t[2][(crc >> 16) & 0xFF] ^ s.t[3][crc >> 24];
}

__attribute__((target("sse4.2"))) uint32_t crc_hw(uint32_t crc, const unsigned char* p, size_t n) {
    if (n < 3 * stripe) return crc_hw_single(crc, p, n);
    // Pre/post conditioning happens in the caller; here crc is the raw register.
    const auto& st = stripe_tables();
    (void)st;
    while (n >= 3 * stripe) {
        uint64_t a = crc, b = 0, c = 0;
        const unsigned char* pa = p;
        const unsigned char* pb = p + stripe;
        const unsigned char* pc = p + 2 * stripe;
        for (size_t i = 0; i < stripe; i += 8) {
            uint64_t va, vb, vc;
            std::memcpy(&va, pa + i, 8);
            std::memcpy(&vb, pb + i, 8);
            std::memcpy(&vc, pc + i, 8);
            a = _mm_crc32_u64(a, va);
            b = _mm_crc32_u64(b, vb);
            c = _mm_crc32_u64(c, vc);
        }
        // crc(A||B||C) = shift(shift(a) ^ b) ^ c for raw (unconditioned) registers.
        uint32_t r = shift(static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b);
        crc = shift(r) ^ static_cast<uint32_t>(c);
        p += 3 * stripe;
        n -= 3 * stripe;
    }
    return crc_hw_single(crc, p, n);
}

bool detect_hw() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}
#endif

uint32_t crc_sw(uint32_t crc, const unsigned char* p, size_t n) {
    const auto& t = tbl.t;
    while (n >= 8) {
        uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + 4, 4);
        lo ^= crc;
        crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^ t[3][hi & 0xFF] ^
              t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
    return crc;
}

} // namespace

uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t n) {
    return ~crc_sw(~crc, static_cast<const unsigned char*>(data), n);
}

bool crc32c_hardware_available() {
#if defined(__x86_64__)
    static const bool hw = detect_hw();
    return hw;
#else
    return false;
#endif
}

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n) {
#if defined(__x86_64__)
    if (crc32c_hardware_available()) return ~crc_hw(~crc, static_cast<const unsigned char*>(data), n);
#endif
    return crc32c_extend_portable(crc, data, n);
}

} // namespace ferry::broker::storage
