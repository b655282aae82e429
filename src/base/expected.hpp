#pragma once
// A small std::expected stand-in (g++ 12 has no <expected>). Internal APIs return
// expected<T, error>; the plugin boundary uses exceptions of the Connect categories instead
// (include/ferry/connect/errors.hpp) so that connector code reads like Kafka Connect's.

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace ferry {

template <class E>
class unexpected {
public:
    explicit unexpected(E e) : _e(std::move(e)) {}
    E& error() & { return _e; }
    E&& error() && { return std::move(_e); }
    const E& error() const& { return _e; }

private:
    E _e;
};

template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class [[nodiscard]] expected {
public:
    expected() requires std::is_default_constructible_v<T> : _v(std::in_place_index<0>) {}
    expected(const T& v) : _v(std::in_place_index<0>, v) {}
    expected(T&& v) : _v(std::in_place_index<0>, std::move(v)) {}
    template <class U>
        requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, expected> &&
                 !std::is_same_v<std::decay_t<U>, unexpected<E>>)
    expected(U&& v) : _v(std::in_place_index<0>, std::forward<U>(v)) {}
    template <class G>
    expected(unexpected<G> u) : _v(std::in_place_index<1>, std::move(u.error())) {}

    bool has_value() const { return _v.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(_v); }
    const T& value() const& { assert(has_value()); return std::get<0>(_v); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    E& error() & { assert(!has_value()); return std::get<1>(_v); }
    const E& error() const& { assert(!has_value()); return std::get<1>(_v); }
    E&& error() && { assert(!has_value()); return std::get<1>(std::move(_v)); }

    template <class U>
    T value_or(U&& alt) const& { return has_value() ? value() : static_cast<T>(std::forward<U>(alt)); }

private:
    std::variant<T, E> _v;
};

template <class E>
class [[nodiscard]] expected<void, E> {
public:
    expected() = default;
    template <class G>
    expected(unexpected<G> u) : _e(std::move(u.error())), _ok(false) {}

    bool has_value() const { return _ok; }
    explicit operator bool() const { return _ok; }
    void value() const { assert(_ok); }
    E& error() & { assert(!_ok); return _e; }
    const E& error() const& { assert(!_ok); return _e; }
    E&& error() && { assert(!_ok); return std::move(_e); }

private:
    E _e{};
    bool _ok = true;
};

} // namespace ferry
