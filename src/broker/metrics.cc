#include "broker/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace ferry::broker {

void prometheus_writer::family(std::string_view name, std::string_view type, std::string_view help) {
    _out += "# HELP ";
    _out += name;
    _out += ' ';
    _out += help;
    _out += "\n# TYPE ";
    _out += name;
    _out += ' ';
    _out += type;
    _out += '\n';
}

void prometheus_writer::sample(std::string_view name, const std::vector<std::pair<std::string, std::string>>& labels,
                               double value) {
    _out += name;
    if (!labels.empty()) {
        _out += '{';
        bool first = true;
        for (auto& [k, v] : labels) {
            if (!first) _out += ',';
            first = false;
            _out += k;
            _out += "=\"";
            for (char c : v) {
                if (c == '\\')
                    _out += "\\\\";
                else if (c == '"')
                    _out += "\\\"";
                else if (c == '\n')
                    _out += "\\n";
                else
                    _out += c;
            }
            _out += '"';
        }
        _out += '}';
    }
    char buf[64];
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
        std::snprintf(buf, sizeof buf, " %lld\n", static_cast<long long>(value));
    else
        std::snprintf(buf, sizeof buf, " %.17g\n", value);
    _out += buf;
}

} // namespace ferry::broker
