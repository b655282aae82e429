#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2.
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run time) and a
// slicing-by-8 table otherwise; both give identical results.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ferry::broker::storage {

// Continues a CRC: pass the previous return value as `crc` (0 to start).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

inline uint32_t crc32c(const void* data, size_t n) {
    return crc32c_extend(0, data, n);
}
inline uint32_t crc32c(std::string_view s) {
    return crc32c_extend(0, s.data(), s.size());
}

// The portable implementation, exposed so tests can compare it with the hardware path.
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t n);
bool crc32c_hardware_available();

} // namespace ferry::broker::storage
