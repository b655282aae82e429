#pragma once
// Time zones for db.timezone: the JDBC connectors read and bind DATE/TIME/TIMESTAMP columns "in"
// a zone (Java's Calendar). GCC 12's libstdc++ has no tzdb, and TZ/localtime_r is process-global,
// so this reads the system's TZif files (/usr/share/zoneinfo) and their POSIX footer rules itself.
// Accepted ids follow java.time.ZoneId.of: region ids ("Europe/Moscow"), "UTC", "GMT", "UT", "Z",
// fixed offsets ("+03:00", "-0530", "+3") and prefixed offsets ("UTC+03:00", "GMT-5").

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::plugins::jdbc::tz {

class zone {
public:
    // Throws std::invalid_argument("Invalid time zone: X") for unknown ids.
    static std::shared_ptr<const zone> load(std::string_view id);
    static std::shared_ptr<const zone> utc();

    const std::string& id() const { return _id; }
    bool is_utc() const { return _fixed && _fixed_offset == 0; }
    // Seconds east of UTC in effect at an instant.
    int32_t offset_at(int64_t utc_seconds) const;
    // The offset for a wall-clock time. Ambiguous times (clocks going back) take the earlier
    // instant; times in a gap (clocks going forward) take the offset before the gap, as a lenient
    // java.util.Calendar does.
    int32_t offset_for_local(int64_t local_seconds) const;
    int64_t local_to_utc(int64_t local_seconds) const { return local_seconds - offset_for_local(local_seconds); }
    int64_t utc_to_local(int64_t utc_seconds) const { return utc_seconds + offset_at(utc_seconds); }

    struct rule_point {
        enum class kind { julian1, julian0, month_week_day } k = kind::month_week_day;
        int month = 0, week = 0, weekday = 0, day = 0;
        int32_t time = 7200; // seconds after local midnight
    };
    struct posix_rule {
        int32_t std_offset = 0; // seconds east
        int32_t dst_offset = 0;
        bool has_dst = false;
        rule_point start, end;
    };
    // Parses a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3"); false when malformed.
    static bool parse_posix(std::string_view s, posix_rule& out);

private:
    int32_t rule_offset(int64_t utc_seconds) const;

    std::string _id;
    bool _fixed = false;
    int32_t _fixed_offset = 0;
    std::vector<int64_t> _transitions; // UTC seconds
    std::vector<int32_t> _offsets;     // offset in effect from _transitions[i]
    int32_t _initial_offset = 0;       // before the first transition
    bool _has_rule = false;
    posix_rule _rule;
};

using zone_ptr = std::shared_ptr<const zone>;

// Civil helpers on UTC seconds.
struct civil_time {
    int32_t year;
    uint32_t month, day, hour, minute, second;
};
civil_time civil_from_seconds(int64_t s);
int64_t seconds_from_civil(int32_t y, uint32_t m, uint32_t d, uint32_t hh = 0, uint32_t mm = 0, uint32_t ss = 0);

} // namespace ferry::plugins::jdbc::tz
