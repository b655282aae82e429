#include "plugins/transforms/timestamp_router/timestamp_router.hpp"

#include "plugins/transforms/common/transform_util.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace ferry::transforms {

using namespace config;

const config_def& timestamp_router::definition() {
    static const config_def d =
        config_def()
            .define({.name = "topic.format",
                     .type = config_type::string,
                     .def = "${topic}-${timestamp}",
                     .imp = importance::high,
                     .doc = "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as "
                            "placeholders for the topic and timestamp, respectively."})
            .define({.name = "timestamp.format",
                     .type = config_type::string,
                     .def = "yyyyMMdd",
                     .imp = importance::high,
                     .doc = "Format string for the timestamp that is compatible with "
                            "<code>java.text.SimpleDateFormat</code>."});
    return d;
}

void timestamp_router::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _topic_format = cfg.get_string("topic.format");
    try {
        _format.emplace(cfg.get_string("timestamp.format"));
    } catch (const std::invalid_argument& e) {
        throw config_error(invalid_value("timestamp.format", cfg.get("timestamp.format"), e.what()));
    }
}

namespace {

void replace_all(std::string& s, std::string_view what, std::string_view with) {
    std::string out;
    size_t start = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, start)) {
        out.append(s, start, p - start);
        out += with;
        start = p + what.size();
    }
    if (start == 0) return;
    out.append(s, start);
    s = std::move(out);
}

} // namespace

bool timestamp_router::apply(connect_record& record) {
    if (!record.timestamp) throw data_error("Timestamp missing on record: " + record_to_string(record));
    _buf.clear();
    _format->format_to(_buf, *record.timestamp);
    // Two passes, as Java's two replaceAll calls (a topic containing "${timestamp}" is replaced too).
    std::string topic = _topic_format;
    replace_all(topic, "${topic}", record.topic);
    replace_all(topic, "${timestamp}", _buf);
    record.topic = std::move(topic);
    return true;
}

} // namespace ferry::transforms
