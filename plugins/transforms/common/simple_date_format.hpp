#pragma once
// java.text.SimpleDateFormat in UTC with the US locale: what TimestampConverter and
// TimestampRouter format and parse with.
//
// Every pattern letter SimpleDateFormat knows is accepted (G y Y M L w W D d F E u a H k K h m s S
// z Z X), quoted literals with '...' and '' as in Java, and other letters are rejected with Java's
// "Illegal pattern character 'x'". Formatting is complete for those letters. Parsing follows
// SimpleDateFormat's lenient mode: spaces/tabs before a field are skipped, a numeric field
// directly followed by another numeric field takes exactly its letter count of digits
// ("yyyyMMdd"), out-of-range values roll over (month 13 = January of the next year), trailing text
// is ignored, and a two-digit "yy" year lands in the 100-year window that starts 80 years ago.
// Week-based fields (Y w W F u) and day names are read but, as in practice with Java's calendar
// resolution when a full date is present, do not move the result.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::transforms {

class simple_date_format {
public:
    // Throws std::invalid_argument with Java's IllegalArgumentException message.
    explicit simple_date_format(std::string_view pattern);

    const std::string& pattern() const { return _pattern; } // toPattern()
    std::string format(int64_t epoch_millis) const;
    void format_to(std::string& out, int64_t epoch_millis) const;
    // The instant, or nullopt where Java throws ParseException.
    std::optional<int64_t> parse(std::string_view text) const;

private:
    struct item {
        char letter = 0; // 0 = literal
        int count = 0;
        std::string literal;
    };
    std::string _pattern;
    std::vector<item> _items;
};

} // namespace ferry::transforms
