// libFuzzer target: one request frame (without the size prefix) through the header parser and the
// message decoder of its API, then re-encoding what was decoded. Must never crash, hang or read out
// of bounds whatever the bytes. Seed corpus: tests/broker/captures (strip the 4-byte size).

#include "broker/protocol/api.hpp"
#include "broker/protocol/record_batch.hpp"
#include "broker/protocol/visit_request.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ferry::broker::proto;
    std::string frame(reinterpret_cast<const char*>(data), size);
    size_t off = 0;
    auto h = parse_request_header(frame.data(), frame.size(), off);
    if (!h || !find_api(h->api_key) || h->api_version < 0 || h->api_version > 20) return 0;
    visit_request(*h, frame.data() + off, frame.size() - off, [&](auto& msg) {
        out_buffer out;
        encoder e(out, h->api_version, is_flexible(h->api_key, h->api_version));
        msg.serde(e);
        (void)out.flatten();
        if constexpr (requires { msg.topics.front().partitions.front().records; }) {
            for (auto& t : msg.topics)
                for (auto& p : t.partitions)
                    (void)split_batches(p.records.view());
        }
    });
    return 0;
}
